import type { PublicDay, PublicEntry, PublicStatus } from "./status-page";

/** Escapes text for HTML content and quoted attribute values. Every string from a fleet goes through it. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const STATE_TEXT = { up: "Operational", down: "Down", unknown: "No data" } as const;
const OVERALL_TEXT = {
  operational: "All systems operational",
  degraded: "Some systems are down",
  outage: "All systems are down",
} as const;

const CSS = `
:root{color-scheme:light dark;--ok:#1f9d55;--bad:#d64545;--none:#9aa3ad;--fg:#1d232a;--muted:#5b6570;--bg:#fff;--card:#f5f7f9}
@media (prefers-color-scheme:dark){:root{--fg:#e6e9ec;--muted:#a0a9b3;--bg:#14181c;--card:#1d2328}}
*{box-sizing:border-box}body{margin:0;font:16px/1.5 system-ui,sans-serif;color:var(--fg);background:var(--bg)}
main{max-width:860px;margin:0 auto;padding:32px 16px}h1{font-size:1.6rem;margin:0 0 16px}
.banner{padding:12px 16px;border-radius:8px;color:#fff;font-weight:600;margin-bottom:16px}
.banner.operational{background:var(--ok)}.banner.degraded,.banner.outage{background:var(--bad)}
.note{background:var(--card);border-left:4px solid #d9a400;padding:12px 16px;border-radius:4px;margin-bottom:16px;white-space:pre-wrap}
section{margin-top:24px}h2{font-size:1.1rem;margin:0 0 8px}
ul{list-style:none;margin:0;padding:0}li.entry{background:var(--card);border-radius:8px;padding:12px 16px;margin-bottom:8px}
.row{display:flex;justify-content:space-between;gap:12px;align-items:baseline}
.state.up{color:var(--ok)}.state.down{color:var(--bad)}.state.unknown{color:var(--muted)}
.bars{display:flex;gap:2px;height:28px;margin-top:8px}.bar{flex:1;border-radius:2px;background:var(--none)}
.bar.ok{background:var(--ok)}.bar.part{background:#e0a100}.bar.bad{background:var(--bad)}
.legend{display:flex;justify-content:space-between;color:var(--muted);font-size:.8rem}
footer{margin-top:32px;color:var(--muted);font-size:.85rem}
`;

function dayLabel(d: PublicDay): string {
  const date = new Date(d.day).toISOString().slice(0, 10);
  if (d.uptime === null) return `${date}: no data`;
  const detail = "checks" in d ? `${d.checks} checks` : `${d.downMinutes} min down`;
  return `${date}: ${d.uptime} % up (${detail})`;
}

function barClass(d: PublicDay): string {
  if (d.uptime === null) return "bar";
  if (d.uptime === 100) return "bar ok";
  return d.uptime >= 95 ? "bar part" : "bar bad";
}

function entryHtml(e: PublicEntry): string {
  const uptime = e.uptime === null ? "" : ` · ${e.uptime} % over 90 days`;
  const bars =
    e.days.length === 0
      ? ""
      : `<div class="bars" role="img" aria-label="${escapeHtml(`Daily uptime of ${e.name}, last 90 days`)}">${e.days
          .map((d) => `<span class="${barClass(d)}" title="${escapeHtml(dayLabel(d))}"></span>`)
          .join("")}</div><div class="legend"><span>90 days ago</span><span>Today</span></div>`;
  return `<li class="entry" data-kind="${e.kind}"><div class="row"><strong class="name">${escapeHtml(e.name)}</strong><span class="state ${e.status}">${STATE_TEXT[e.status]}${uptime}</span></div>${bars}</li>`;
}

/** The public status page as one HTML document: no script, no request to anything else. */
export function statusHtml(s: PublicStatus): string {
  const incidents =
    s.incidents.length === 0
      ? "<p>No current incidents.</p>"
      : `<ul>${s.incidents
          .map(
            (i) =>
              `<li class="entry incident"><div class="row"><strong>${escapeHtml(i.name)}: ${escapeHtml(i.title)}</strong><span>since <time datetime="${new Date(i.since).toISOString()}">${new Date(i.since).toISOString().replace("T", " ").slice(0, 16)} UTC</time></span></div></li>`,
          )
          .join("")}</ul>`;
  const note = s.note ? `<div class="note" role="note">${escapeHtml(s.note)}</div>` : "";
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(s.title)}</title><style>${CSS}</style></head>
<body><main><h1>${escapeHtml(s.title)}</h1>
<div class="banner ${s.status}" role="status">${OVERALL_TEXT[s.status]}</div>${note}
<section aria-labelledby="incidents"><h2 id="incidents">Current incidents</h2>${incidents}</section>
<section aria-labelledby="systems"><h2 id="systems">Systems</h2><ul>${s.entries.map(entryHtml).join("")}</ul></section>
<footer>Updated <time datetime="${new Date(s.generatedAt).toISOString()}">${new Date(s.generatedAt).toISOString().replace("T", " ").slice(0, 19)} UTC</time> · refreshed every minute</footer>
</main></body></html>`;
}
