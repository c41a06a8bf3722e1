import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * Stand-ins for the services notification channels post to: one Node HTTP
 * server on loopback that checks each request against the service's
 * documented request shape and answers as the service does (its error
 * status when the request is malformed, so the hub records a failure).
 */

/** A request one stand-in received, with what was wrong with it (empty when valid). */
export interface Received {
  service: Service;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** The parsed body (JSON, or the form's fields for Pushover). */
  parsed: unknown;
  problems: string[];
}

export type Service =
  | "slack"
  | "discord"
  | "teams"
  | "telegram"
  | "ntfy"
  | "gotify"
  | "pagerduty"
  | "pushover"
  | "alertmanager"
  | "webhook";

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const isStr = (v: unknown): v is string => typeof v === "string";
const isoDate = (v: unknown) => isStr(v) && !Number.isNaN(Date.parse(v)) && /^\d{4}-\d\d-\d\dT/.test(v);
const httpUrl = (v: unknown) => isStr(v) && /^https?:\/\/[^\s]+$/.test(v);

/** Collects problems: `need(cond, "what the docs require")`. */
function checker() {
  const problems: string[] = [];
  return { problems, need: (ok: unknown, what: string) => void (ok ? 0 : problems.push(what)) };
}

/**
 * Slack incoming webhook (https://docs.slack.dev/messaging/sending-messages-using-incoming-webhooks,
 * https://docs.slack.dev/reference/block-kit/blocks): JSON with `text` (the
 * notification's fallback) and at most 50 blocks; a section's text object is
 * mrkdwn or plain_text of at most 3,000 characters; a context has at most
 * 10 elements.
 */
function slack(b: unknown, need: (ok: unknown, what: string) => void) {
  need(isObj(b), "body is a JSON object");
  if (!isObj(b)) return;
  need(isStr(b.text) && b.text.length > 0 && b.text.length <= 40_000, "text: 1..40000 characters");
  need(Array.isArray(b.blocks) && b.blocks.length >= 1 && b.blocks.length <= 50, "blocks: 1..50");
  for (const block of Array.isArray(b.blocks) ? b.blocks : []) {
    need(
      isObj(block) && ["section", "context", "header", "divider"].includes(String(block.type)),
      "block type",
    );
    if (!isObj(block)) continue;
    if (block.type === "section") {
      const t = block.text;
      need(isObj(t) && ["mrkdwn", "plain_text"].includes(String(t.type)), "section.text.type");
      need(
        isObj(t) && isStr(t.text) && t.text.length >= 1 && t.text.length <= 3000,
        "section.text.text 1..3000",
      );
    }
    if (block.type === "context") {
      const els = block.elements;
      need(Array.isArray(els) && els.length >= 1 && els.length <= 10, "context.elements 1..10");
      for (const e of Array.isArray(els) ? els : [])
        need(isObj(e) && e.type === "mrkdwn" && isStr(e.text), "context element mrkdwn text");
    }
  }
}

/**
 * Discord execute webhook (https://discord.com/developers/docs/resources/webhook#execute-webhook,
 * embed limits: https://discord.com/developers/docs/resources/message#embed-object-embed-limits).
 */
function discord(b: unknown, need: (ok: unknown, what: string) => void) {
  need(isObj(b), "body is a JSON object");
  if (!isObj(b)) return;
  need(b.content === undefined || (isStr(b.content) && b.content.length <= 2000), "content <= 2000");
  const embeds = Array.isArray(b.embeds) ? b.embeds : [];
  need(b.content || embeds.length > 0, "content or embeds");
  need(embeds.length <= 10, "embeds <= 10");
  let total = 0;
  for (const e of embeds) {
    need(isObj(e), "embed is an object");
    if (!isObj(e)) continue;
    need(e.title === undefined || (isStr(e.title) && e.title.length <= 256), "embed.title <= 256");
    need(e.url === undefined || httpUrl(e.url), "embed.url is http(s)");
    need(
      Number.isInteger(e.color) && Number(e.color) >= 0 && Number(e.color) <= 0xffffff,
      "embed.color 0..0xffffff",
    );
    need(e.timestamp === undefined || isoDate(e.timestamp), "embed.timestamp ISO8601");
    const fields = Array.isArray(e.fields) ? e.fields : [];
    need(fields.length <= 25, "fields <= 25");
    total += isStr(e.title) ? e.title.length : 0;
    for (const f of fields) {
      need(isObj(f) && isStr(f.name) && f.name.length >= 1 && f.name.length <= 256, "field.name 1..256");
      need(
        isObj(f) && isStr(f.value) && f.value.length >= 1 && f.value.length <= 1024,
        "field.value 1..1024",
      );
      if (isObj(f)) total += String(f.name).length + String(f.value).length;
    }
  }
  need(total <= 6000, "embeds total <= 6000 characters");
}

/**
 * Teams Workflows webhook: a `message` whose attachments are Adaptive Cards
 * (https://learn.microsoft.com/en-us/microsoftteams/platform/webhooks-and-connectors/how-to/connectors-using#send-adaptive-cards-using-an-incoming-webhook):
 * contentType `application/vnd.microsoft.card.adaptive`, card schema
 * version up to 1.5 in Teams.
 */
function teams(b: unknown, need: (ok: unknown, what: string) => void) {
  need(isObj(b) && b.type === "message", 'type: "message"');
  const atts = isObj(b) && Array.isArray(b.attachments) ? b.attachments : [];
  need(atts.length >= 1, "attachments: at least one");
  for (const a of atts) {
    need(
      isObj(a) && a.contentType === "application/vnd.microsoft.card.adaptive",
      "adaptive card contentType",
    );
    const card = isObj(a) ? a.content : undefined;
    need(isObj(card) && card.type === "AdaptiveCard", "content.type AdaptiveCard");
    if (!isObj(card)) continue;
    need(["1.0", "1.1", "1.2", "1.3", "1.4", "1.5"].includes(String(card.version)), "card version <= 1.5");
    need(card.$schema === "http://adaptivecards.io/schemas/adaptive-card.json", "card $schema");
    need(Array.isArray(card.body) && card.body.length > 0, "card body");
    for (const el of Array.isArray(card.body) ? card.body : []) {
      need(isObj(el) && ["TextBlock", "FactSet"].includes(String(el.type)), "body element type");
      if (isObj(el) && el.type === "TextBlock") need(isStr(el.text) && el.text.length > 0, "TextBlock.text");
      if (isObj(el) && el.type === "FactSet")
        need(
          Array.isArray(el.facts) && el.facts.every((f) => isObj(f) && isStr(f.title) && isStr(f.value)),
          "FactSet facts {title, value}",
        );
    }
    for (const act of Array.isArray(card.actions) ? card.actions : [])
      need(
        isObj(act) && act.type === "Action.OpenUrl" && httpUrl(act.url) && isStr(act.title),
        "Action.OpenUrl",
      );
  }
}

const TELEGRAM_TAGS = new Set([
  "b",
  "strong",
  "i",
  "em",
  "u",
  "ins",
  "s",
  "strike",
  "del",
  "a",
  "code",
  "pre",
  "tg-spoiler",
  "blockquote",
  "span",
]);

/**
 * Telegram `sendMessage` with `parse_mode: "HTML"`
 * (https://core.telegram.org/bots/api#sendmessage, #html-style): chat_id,
 * text of 1..4096 characters after entities are parsed; only the listed
 * tags, properly nested; only &lt; &gt; &amp; &quot; and numeric entities.
 */
function telegram(b: unknown, need: (ok: unknown, what: string) => void, path: string) {
  need(/^\/telegram\/bot[^/]+\/sendMessage$/.test(path.split("?")[0] ?? ""), "path /bot<token>/sendMessage");
  need(isObj(b), "body is a JSON object");
  if (!isObj(b)) return;
  need(isStr(b.chat_id) || Number.isInteger(b.chat_id), "chat_id");
  need(b.parse_mode === "HTML", "parse_mode HTML");
  const text = isStr(b.text) ? b.text : "";
  const stack: string[] = [];
  for (const m of text.matchAll(/<(\/?)([a-z-]+)[^>]*>/g)) {
    const [, close, tag = ""] = m;
    need(TELEGRAM_TAGS.has(tag), `tag <${tag}> supported`);
    if (close) need(stack.pop() === tag, `</${tag}> closes the open tag`);
    else stack.push(tag);
  }
  need(stack.length === 0, "every tag closed");
  for (const m of text.matchAll(/&([^;\s]*);?/g))
    need(/^(lt|gt|amp|quot|#\d+|#x[0-9a-f]+)$/i.test(m[1] ?? "") && m[0].endsWith(";"), `entity ${m[0]}`);
  need(!/<(?![a-z/])/.test(text), "no bare < in the text");
  const plain = text.replace(/<[^>]+>/g, "").replace(/&(lt|gt|amp|quot|#\d+|#x[0-9a-f]+);/gi, "x");
  need(plain.length >= 1 && plain.length <= 4096, "text 1..4096 characters after parsing");
  const kb = isObj(b.reply_markup) ? b.reply_markup.inline_keyboard : undefined;
  if (b.reply_markup !== undefined)
    need(
      Array.isArray(kb) &&
        kb.every(
          (row) => Array.isArray(row) && row.every((k) => isObj(k) && isStr(k.text) && httpUrl(k.url)),
        ),
      "inline_keyboard of {text, url}",
    );
}

/** ntfy publish (https://docs.ntfy.sh/publish/): the message as the body (<= 4,096 bytes), headers for the rest. */
function ntfy(body: string, h: IncomingHttpHeaders, need: (ok: unknown, what: string) => void) {
  need(Buffer.byteLength(body) >= 1 && Buffer.byteLength(body) <= 4096, "message 1..4096 bytes");
  need(h.title === undefined || (isStr(h.title) && h.title.length > 0), "Title header");
  need(/^[1-5]$/.test(String(h.priority)), "Priority 1..5");
  need(h.tags === undefined || /^[a-z0-9_,+-]+$/i.test(String(h.tags)), "Tags: comma-separated");
  need(h.click === undefined || httpUrl(h.click), "Click is a URL");
}

/** Gotify createMessage (https://gotify.net/api-docs#/message/createMessage): token in the query, message required. */
function gotify(b: unknown, need: (ok: unknown, what: string) => void, path: string) {
  need(new URL(path, "http://x").searchParams.get("token"), "token in the query");
  need(isObj(b) && isStr(b.message) && b.message.length > 0, "message");
  if (!isObj(b)) return;
  need(b.title === undefined || isStr(b.title), "title string");
  need(
    b.priority === undefined ||
      (Number.isInteger(b.priority) && Number(b.priority) >= 0 && Number(b.priority) <= 10),
    "priority 0..10",
  );
  need(b.extras === undefined || isObj(b.extras), "extras object");
}

/**
 * PagerDuty Events API v2 (https://developer.pagerduty.com/docs/events-api-v2/trigger-events/,
 * /resolve-events/): routing_key (32 characters), event_action, dedup_key
 * <= 255; a trigger needs payload.summary (<= 1024), source and severity.
 */
function pagerduty(b: unknown, need: (ok: unknown, what: string) => void) {
  need(isObj(b), "body is a JSON object");
  if (!isObj(b)) return;
  need(isStr(b.routing_key) && b.routing_key.length === 32, "routing_key: 32 characters");
  need(["trigger", "acknowledge", "resolve"].includes(String(b.event_action)), "event_action");
  need(b.dedup_key === undefined || (isStr(b.dedup_key) && b.dedup_key.length <= 255), "dedup_key <= 255");
  if (b.event_action !== "trigger")
    need(isStr(b.dedup_key) && b.dedup_key.length > 0, "dedup_key to resolve");
  const p = b.payload;
  if (b.event_action === "trigger" || p !== undefined) {
    need(isObj(p), "payload");
    if (!isObj(p)) return;
    need(isStr(p.summary) && p.summary.length >= 1 && p.summary.length <= 1024, "payload.summary 1..1024");
    need(isStr(p.source) && p.source.length > 0, "payload.source");
    need(["critical", "error", "warning", "info"].includes(String(p.severity)), "payload.severity");
    need(p.timestamp === undefined || isoDate(p.timestamp), "payload.timestamp ISO 8601");
    need(p.custom_details === undefined || isObj(p.custom_details), "payload.custom_details object");
  }
  for (const l of Array.isArray(b.links) ? b.links : []) need(isObj(l) && httpUrl(l.href), "links[].href");
}

/**
 * Pushover messages API (https://pushover.net/api): form fields token and
 * user (30 characters each), message (<= 1,024), title (<= 250), url
 * (<= 512), url_title (<= 100), priority -2..2, html 1, timestamp in
 * Unix seconds.
 */
function pushover(
  f: URLSearchParams,
  h: IncomingHttpHeaders,
  need: (ok: unknown, what: string) => void,
  path: string,
) {
  need(path === "/pushover/1/messages.json", "POST /1/messages.json, keys not in the URL");
  need(String(h["content-type"]).startsWith("application/x-www-form-urlencoded"), "a form");
  need(/^[A-Za-z0-9]{30}$/.test(f.get("token") ?? ""), "token: 30 characters");
  need(/^[A-Za-z0-9]{30}$/.test(f.get("user") ?? ""), "user: 30 characters");
  const msg = f.get("message") ?? "";
  need(msg.length >= 1 && msg.length <= 1024, "message 1..1024");
  need((f.get("title") ?? "").length <= 250, "title <= 250");
  need(!f.has("url") || ((f.get("url") ?? "").length <= 512 && httpUrl(f.get("url"))), "url <= 512");
  need((f.get("url_title") ?? "").length <= 100, "url_title <= 100");
  need(!f.has("priority") || /^(-2|-1|0|1|2)$/.test(f.get("priority") ?? ""), "priority -2..2");
  need(!f.has("html") || f.get("html") === "1", "html=1");
  need(!f.has("timestamp") || /^\d+$/.test(f.get("timestamp") ?? ""), "timestamp: Unix seconds");
  if (f.get("html") === "1") need(!/<(?!\/?(b|i|u|font|a)\b)/.test(msg), "only Pushover's HTML tags");
}

/**
 * Alertmanager API v2 `POST /api/v2/alerts`: postableAlerts, an array of
 * {labels (required, names [a-zA-Z_][a-zA-Z0-9_]*), annotations, startsAt,
 * endsAt, generatorURL}
 * (https://github.com/prometheus/alertmanager/blob/main/api/v2/openapi.yaml).
 */
function alertmanager(b: unknown, need: (ok: unknown, what: string) => void) {
  need(Array.isArray(b) && b.length > 0, "an array of alerts");
  for (const a of Array.isArray(b) ? b : []) {
    need(isObj(a) && isObj(a.labels) && Object.keys(a.labels).length > 0, "labels");
    if (!isObj(a) || !isObj(a.labels)) continue;
    for (const [k, v] of Object.entries(a.labels)) {
      need(/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(k), `label name ${k}`);
      need(isStr(v), `label ${k} is a string`);
    }
    need(
      a.annotations === undefined || (isObj(a.annotations) && Object.values(a.annotations).every(isStr)),
      "annotations of strings",
    );
    need(a.startsAt === undefined || isoDate(a.startsAt), "startsAt date-time");
    need(a.endsAt === undefined || isoDate(a.endsAt), "endsAt date-time");
    need(a.generatorURL === undefined || httpUrl(a.generatorURL), "generatorURL uri");
  }
}

/** The fleetwatch webhook payload, version 1 (docs/WEBHOOKS.md). */
function webhook(b: unknown, need: (ok: unknown, what: string) => void) {
  need(isObj(b) && b.version === 1 && isStr(b.fleet) && Array.isArray(b.alerts), "version 1 payload");
}

/** How each service answers a valid request. */
function answer(service: Service, parsed: unknown): { status: number; body: string; type: string } {
  const json = (status: number, v: unknown) => ({
    status,
    body: JSON.stringify(v),
    type: "application/json",
  });
  switch (service) {
    case "slack":
      return { status: 200, body: "ok", type: "text/plain" };
    case "discord":
      return { status: 204, body: "", type: "text/plain" };
    case "teams":
      return { status: 202, body: "", type: "text/plain" };
    case "telegram":
      return json(200, { ok: true, result: { message_id: 1, chat: { id: 1 }, date: 0, text: "" } });
    case "pagerduty":
      return json(202, {
        status: "success",
        message: "Event processed",
        dedup_key: isObj(parsed) ? parsed.dedup_key : "",
      });
    case "pushover":
      return json(200, { status: 1, request: "5042853c-402d-4a18-abcb-168734a801de" });
    default:
      return json(200, {});
  }
}

/** Starts the stand-ins; a channel's URL is `url(service, rest)`. */
export async function startReceivers() {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const path = req.url ?? "/";
      const service = path.split("/")[1] as Service;
      const body = Buffer.concat(chunks).toString("utf8");
      const { problems, need } = checker();
      need(req.method === "POST", "method POST");
      let parsed: unknown;
      if (service === "ntfy") {
        parsed = body;
        ntfy(body, req.headers, need);
      } else if (service === "pushover") {
        const form = new URLSearchParams(body);
        parsed = Object.fromEntries(form);
        pushover(form, req.headers, need, path);
      } else {
        need(
          String(req.headers["content-type"]).startsWith("application/json"),
          "Content-Type application/json",
        );
        try {
          parsed = JSON.parse(body);
        } catch {
          need(false, "body is JSON");
        }
        const check = { slack, discord, teams, pagerduty, alertmanager, webhook } as const;
        if (service === "telegram") telegram(parsed, need, path);
        else if (service === "gotify") gotify(parsed, need, path);
        else if (service in check) check[service as keyof typeof check](parsed, need);
        else need(false, `a known service (${service})`);
      }
      received.push({ service, path, headers: req.headers, body, parsed, problems });
      if (problems.length > 0) {
        res.writeHead(400, { "content-type": "application/json" }).end(JSON.stringify({ problems }));
        return;
      }
      const a = answer(service, parsed);
      res.writeHead(a.status, { "content-type": a.type }).end(a.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    received,
    url: (service: Service, rest = "") => `${base}/${service}${rest}`,
    of: (service: Service) => received.filter((r) => r.service === service),
    close: () => new Promise((r) => server.close(r)),
  };
}
