import { zValidator } from "@hono/zod-validator";
import { and, eq, inArray } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { Hono } from "hono";
import { type AuthVariables, requireFleetRole } from "../auth/middleware";
import { probes, statusPages } from "../db/probes-schema";
import { fleetStub } from "../fleet/stub";
import { httpError } from "../http/errors";
import { jsonError } from "../http/validation";
import { statusHtml } from "../probes/status-html";
import {
  publicStatus,
  SLUG,
  StatusPageBody,
  type StatusPageSpec,
  statusPageView,
} from "../probes/status-page";

/** How long browsers and Cloudflare's cache keep a public page: the checks run once a minute. */
export const STATUS_TTL_S = 30;

function isUniqueViolation(e: unknown): boolean {
  return e instanceof Error && /UNIQUE constraint failed/i.test(`${e.message} ${String(e.cause ?? "")}`);
}

/** Every chosen probe and host must be the fleet's own: ids of other fleets are refused like unknown ones. */
async function checkEntries(env: Env, fleetId: string, spec: StatusPageSpec): Promise<void> {
  const probeIds = spec.entries.filter((e) => e.kind === "probe").map((e) => e.id);
  const hostIds = spec.entries.filter((e) => e.kind === "host").map((e) => e.id);
  const known = new Set<string>();
  if (probeIds.length) {
    const rows = await drizzle(env.DB)
      .select({ id: probes.id })
      .from(probes)
      .where(and(eq(probes.fleetId, fleetId), inArray(probes.id, probeIds)))
      .all();
    for (const r of rows) known.add(`probe:${r.id}`);
  }
  if (hostIds.length) {
    for (const h of await fleetStub(env, fleetId).listHosts()) known.add(`host:${h.id}`);
  }
  spec.entries.forEach((e, i) => {
    if (!known.has(`${e.kind}:${e.id}`))
      httpError(400, "invalid_request", `entries.${i}.id: no such ${e.kind}`);
  });
}

/** The two cache keys of a page (HTML and JSON), on this origin. */
function cacheKeys(origin: string, slug: string): string[] {
  return [`${origin}/status/${slug}`, `${origin}/status/${slug}.json`];
}

/** The Cache API where the runtime has one (workers.dev and local runs may not cache). */
function edgeCache(): Cache | undefined {
  return typeof caches === "undefined" ? undefined : (caches as unknown as { default?: Cache }).default;
}

/**
 * The fleet's public status page: settings for admins under the fleet's
 * API, and the page itself at `/status/<slug>` (HTML) and
 * `/status/<slug>.json`, read-only and without sign-in.
 */
export const statusPageRoutes = new Hono<{ Bindings: Env; Variables: AuthVariables }>()
  .get("/api/fleets/:fleet/status-page", requireFleetRole("admin"), async (c) => {
    const row = await drizzle(c.env.DB)
      .select()
      .from(statusPages)
      .where(eq(statusPages.fleetId, c.var.principal.fleetId))
      .get();
    return c.json({ statusPage: row ? statusPageView(row) : null });
  })
  .put(
    "/api/fleets/:fleet/status-page",
    requireFleetRole("admin"),
    zValidator("json", StatusPageBody, jsonError),
    async (c) => {
      const fleetId = c.var.principal.fleetId;
      const spec = c.req.valid("json");
      await checkEntries(c.env, fleetId, spec);
      const db = drizzle(c.env.DB);
      const before = await db.select().from(statusPages).where(eq(statusPages.fleetId, fleetId)).get();
      const now = Date.now();
      const values = {
        slug: spec.slug,
        title: spec.title,
        enabled: spec.enabled,
        entries: JSON.stringify(spec.entries),
        note: spec.note || null,
        updatedAt: now,
      };
      try {
        await db
          .insert(statusPages)
          .values({ ...values, fleetId, createdAt: now })
          .onConflictDoUpdate({ target: statusPages.fleetId, set: values });
      } catch (e) {
        if (isUniqueViolation(e))
          httpError(409, "conflict", `the status page address "${spec.slug}" is taken`);
        throw e;
      }
      // What was public must not linger under the old settings or address.
      const origin = new URL(c.req.url).origin;
      const stale = [...cacheKeys(origin, spec.slug), ...(before ? cacheKeys(origin, before.slug) : [])];
      await Promise.all(stale.map((k) => edgeCache()?.delete(k)));
      const row = await db.select().from(statusPages).where(eq(statusPages.fleetId, fleetId)).get();
      if (!row) httpError(500, "internal", "the status page was not saved");
      return c.json({ statusPage: statusPageView(row) });
    },
  )
  .delete("/api/fleets/:fleet/status-page", requireFleetRole("admin"), async (c) => {
    const gone = await drizzle(c.env.DB)
      .delete(statusPages)
      .where(eq(statusPages.fleetId, c.var.principal.fleetId))
      .returning({ slug: statusPages.slug });
    if (gone.length === 0) httpError(404, "not_found", "this fleet has no status page");
    const origin = new URL(c.req.url).origin;
    await Promise.all(cacheKeys(origin, gone[0]?.slug ?? "").map((k) => edgeCache()?.delete(k)));
    return c.body(null, 204);
  })
  .get("/status/:page", async (c) => {
    const page = c.req.param("page");
    const json = page.endsWith(".json");
    const slug = json ? page.slice(0, -5) : page;
    const notFound = () =>
      json
        ? c.json({ error: "not_found", message: "no such status page" }, 404)
        : c.html("<!doctype html><title>Not found</title><p>No such status page.</p>", 404);
    if (!SLUG.test(slug)) return notFound();
    const cache = edgeCache();
    const key = new Request(new URL(c.req.url).origin + new URL(c.req.url).pathname);
    const hit = await cache?.match(key);
    if (hit) return new Response(hit.body, hit);
    const row = await drizzle(c.env.DB).select().from(statusPages).where(eq(statusPages.slug, slug)).get();
    // A disabled page is as absent as one that never existed.
    if (!row?.enabled) return notFound();
    const status = await publicStatus(c.env, row, Date.now());
    const res = json ? c.json(status) : c.html(statusHtml(status));
    res.headers.set("Cache-Control", `public, max-age=${STATUS_TTL_S}`);
    if (cache) {
      const put = cache.put(key, res.clone());
      try {
        c.executionCtx.waitUntil(put);
      } catch {
        await put;
      }
    }
    return res;
  });
