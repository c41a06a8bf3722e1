import { alertStatus, type PayloadAlert, type WebhookPayload } from "./payload";
import {
  alertLine,
  alertTimes,
  clickUrl,
  countsText,
  escapeHtml,
  headline,
  isGroup,
  messageText,
  moreLine,
  orderedAlerts,
} from "./summary";

/**
 * Chat services' message formats (Slack, Discord, Microsoft Teams,
 * Telegram), each within the limits its documentation states.
 */

function escapeSlack(s: string): string {
  return s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

const SLACK_DOT = { firing: ":red_circle:", resolved: ":large_green_circle:", test: ":large_blue_circle:" };
/**
 * Slack (https://docs.slack.dev/reference/block-kit/blocks/section-block):
 * at most 50 blocks, a section's text at most 3,000 characters; the
 * top-level `text` (the notification's) is cut off past 40,000.
 */
const SLACK_MAX_ALERT_BLOCKS = 40;
const SLACK_SECTION_MAX = 3000;
const SLACK_TEXT_MAX = 40_000;

/** Slack incoming-webhook body: `text` for notifications, `blocks` for the message. */
export function slackBody(p: WebhookPayload): { text: string; blocks: unknown[] } {
  const fleet = `fleet \`${escapeSlack(p.fleet)}\``;
  const first = p.alerts[0];
  if (!isGroup(p) && first) {
    const status = p.status === "test" ? "test" : alertStatus(first);
    return {
      text: alertLine(p, first),
      blocks: [
        {
          type: "section",
          text: { type: "mrkdwn", text: `*${SLACK_DOT[status]} ${escapeSlack(alertLine(p, first))}*` },
        },
        {
          type: "context",
          elements: [
            {
              type: "mrkdwn",
              text:
                p.status === "test"
                  ? `${fleet} · sent ${first.startsAt} · <${first.url}|open channels>`
                  : `${fleet} · ${alertTimes(first)} · <${first.url}|open host>`,
            },
          ],
        },
      ],
    };
  }
  const alerts = orderedAlerts(p);
  const listed = alerts.slice(0, SLACK_MAX_ALERT_BLOCKS);
  const blocks: unknown[] = [
    {
      type: "section",
      text: { type: "mrkdwn", text: `*${SLACK_DOT[p.status]} ${escapeSlack(headline(p))}*` },
    },
    ...listed.map((a) => ({
      type: "section",
      text: {
        type: "mrkdwn",
        text: `${SLACK_DOT[alertStatus(a)]} ${escapeSlack(alertLine(p, a))} · ${alertTimes(a)} · <${a.url}|open host>`.slice(
          0,
          SLACK_SECTION_MAX,
        ),
      },
    })),
  ];
  const context =
    alerts.length > listed.length ? `${moreLine(alerts.length - listed.length)} · ${fleet}` : fleet;
  blocks.push({ type: "context", elements: [{ type: "mrkdwn", text: context }] });
  return { text: messageText(p, SLACK_TEXT_MAX), blocks };
}

const DISCORD_RED = 0xd83c3e;
const DISCORD_AMBER = 0xe8a33d;
const DISCORD_GREEN = 0x2fa84f;
const DISCORD_BLUE = 0x3b82f6;
/**
 * Discord (https://discord.com/developers/docs/resources/message#embed-object-embed-limits):
 * content 2,000 characters, 10 embeds, title 256, field value 1,024, and
 * 6,000 characters over all embeds of a message.
 */
const DISCORD_CONTENT_MAX = 2000;
const DISCORD_MAX_EMBEDS = 10;
const DISCORD_EMBEDS_TOTAL_MAX = 6000;

function discordColor(p: WebhookPayload, a: PayloadAlert): number {
  if (p.status === "test") return DISCORD_BLUE;
  if (alertStatus(a) === "resolved") return DISCORD_GREEN;
  return a.severity === "critical" ? DISCORD_RED : DISCORD_AMBER;
}

function discordEmbed(p: WebhookPayload, a: PayloadAlert) {
  const field = (name: string, value: string) => ({ name, value: value.slice(0, 1024) || "-", inline: true });
  return {
    title: alertLine(p, a).slice(0, 256),
    url: /^https?:\/\//.test(a.url) ? a.url : undefined,
    color: discordColor(p, a),
    fields:
      p.status === "test"
        ? [field("fleet", p.fleet)]
        : [field("fleet", p.fleet), field("host", a.host), field("value", String(a.value))],
    timestamp: a.endsAt ?? a.startsAt,
  };
}

/** Characters Discord counts towards an embed's share of the 6,000. */
function embedSize(e: ReturnType<typeof discordEmbed>): number {
  return e.title.length + e.fields.reduce((n, f) => n + f.name.length + f.value.length, 0);
}

/** Discord webhook body: the headline as `content`, one embed per alert (within Discord's limits). */
export function discordBody(p: WebhookPayload): { content: string; embeds: unknown[] } {
  const alerts = orderedAlerts(p);
  const embeds: ReturnType<typeof discordEmbed>[] = [];
  let total = 0;
  for (const a of alerts) {
    const e = discordEmbed(p, a);
    if (embeds.length === DISCORD_MAX_EMBEDS || total + embedSize(e) > DISCORD_EMBEDS_TOTAL_MAX) break;
    embeds.push(e);
    total += embedSize(e);
  }
  const left = alerts.length - embeds.length;
  const content = left > 0 ? `${headline(p)}\n${moreLine(left)}` : headline(p);
  return { content: content.slice(0, DISCORD_CONTENT_MAX), embeds };
}

/** Microsoft Teams: TextBlocks per alert at most (a card's payload is limited to about 28 KB). */
const TEAMS_MAX_ALERTS = 20;

/**
 * Microsoft Teams, through a Workflows webhook ("When a Teams webhook request
 * is received",
 * https://learn.microsoft.com/en-us/connectors/teams/?tabs=text1#microsoft-teams-webhook):
 * a `message` with one Adaptive Card (schema 1.4): the headline, a line per
 * alert of a group, the facts and a button to the host.
 */
export function teamsBody(p: WebhookPayload): Record<string, unknown> {
  const color = (s: "firing" | "resolved" | "test") =>
    s === "firing" ? "Attention" : s === "resolved" ? "Good" : "Accent";
  const first = p.alerts[0];
  const group = isGroup(p);
  const facts =
    p.status === "test" || !first
      ? [{ title: "fleet", value: p.fleet }]
      : group
        ? [
            { title: "fleet", value: p.fleet },
            { title: "alerts", value: countsText(p) },
          ]
        : [
            { title: "fleet", value: p.fleet },
            { title: "host", value: first.host },
            { title: "value", value: `${first.value} (threshold ${first.threshold})` },
            { title: "since", value: first.startsAt },
          ];
  const alerts = orderedAlerts(p);
  const listed = alerts.slice(0, TEAMS_MAX_ALERTS);
  const lines = listed.map((a) => ({
    type: "TextBlock",
    text: alertLine(p, a),
    weight: group ? "Default" : "Bolder",
    color: color(p.status === "test" ? "test" : alertStatus(a)),
    wrap: true,
  }));
  const click = clickUrl(p);
  return {
    type: "message",
    attachments: [
      {
        contentType: "application/vnd.microsoft.card.adaptive",
        contentUrl: null,
        content: {
          $schema: "http://adaptivecards.io/schemas/adaptive-card.json",
          type: "AdaptiveCard",
          version: "1.4",
          body: [
            ...(group
              ? [
                  {
                    type: "TextBlock",
                    text: headline(p),
                    weight: "Bolder",
                    size: "Medium",
                    color: color(p.status),
                    wrap: true,
                  },
                ]
              : []),
            ...lines,
            ...(alerts.length > listed.length
              ? [
                  {
                    type: "TextBlock",
                    text: moreLine(alerts.length - listed.length),
                    isSubtle: true,
                    wrap: true,
                  },
                ]
              : []),
            { type: "FactSet", facts },
          ],
          ...(click
            ? {
                actions: [
                  {
                    type: "Action.OpenUrl",
                    title: p.status === "test" ? "Open channels" : "Open host",
                    url: click,
                  },
                ],
              }
            : {}),
        },
      },
    ],
  };
}

/** Telegram: a message's text is at most 4,096 characters (after entities are parsed). */
const TELEGRAM_TEXT_MAX = 4096;

/**
 * Telegram Bot API `sendMessage` (https://core.telegram.org/bots/api#sendmessage):
 * the channel's URL is `https://api.telegram.org/bot<token>/sendMessage?chat_id=<id>`;
 * HTML text (everything from the fleet escaped; lines whole, so no tag or
 * entity is cut) and a button to the host.
 */
export function telegramBody(p: WebhookPayload, url: string): Record<string, unknown> {
  const chatId = new URL(url).searchParams.get("chat_id") ?? "";
  const [head, ...rest] = messageText(p, TELEGRAM_TEXT_MAX - 7, (s) => escapeHtml(s).length).split("\n");
  const click = clickUrl(p);
  const button = p.status === "test" ? "Open channels" : "Open host";
  return {
    chat_id: chatId,
    text: [`<b>${escapeHtml(head ?? "")}</b>`, ...rest.map(escapeHtml)].join("\n"),
    parse_mode: "HTML",
    link_preview_options: { is_disabled: true },
    ...(click ? { reply_markup: { inline_keyboard: [[{ text: button, url: click }]] } } : {}),
  };
}
