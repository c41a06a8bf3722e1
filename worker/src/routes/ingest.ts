import { Code, ConnectError } from "@connectrpc/connect";
import { IngestService } from "@fleetwatch/proto/ingest_pb";
import { drizzle } from "drizzle-orm/d1";
import { Hono } from "hono";
import { authenticate, bearerSecret } from "../auth/tokens";
import { forwardToFleet } from "../fleet/stub";
import { rejectIngest } from "../rpc/ingest-gate";
import { HOST_ID_HEADER } from "../rpc/ingest-service";

/**
 * Connect ingest: authenticated here, then handed whole to the fleet's DO
 * (one DO request per stream). Stream and Push of a sharded fleet go to the
 * host's shard; Hello always goes to the fleet's DO, which assigns the id.
 */
export const ingestRoutes = new Hono<{ Bindings: Env }>().post(
  `/${IngestService.typeName}/:method`,
  async (c) => {
    const req = c.req.raw;
    const secret = bearerSecret(req.headers.get("Authorization"));
    const principal = secret ? await authenticate(drizzle(c.env.DB), secret) : undefined;
    let err: ConnectError | undefined;
    if (!principal) {
      err = new ConnectError("missing or invalid agent token: set FLEETWATCH_TOKEN", Code.Unauthenticated);
    } else if (principal.role !== "agent") {
      err = new ConnectError(
        `a ${principal.role} token cannot ingest; use an agent token`,
        Code.PermissionDenied,
      );
    }
    if (err || !principal) {
      const res = await rejectIngest(req, err ?? new ConnectError("unauthenticated", Code.Unauthenticated));
      return res ?? c.json({ error: "not_found", message: "no such procedure" }, 404);
    }
    const hostId = c.req.param("method") === "Hello" ? undefined : req.headers.get(HOST_ID_HEADER);
    try {
      return await forwardToFleet(c.env, principal, req, { hostId: hostId ?? undefined });
    } catch (e) {
      // The fleet's object failed (start-up, overload, a reset): answer in
      // Connect's shape, never with the error's own text.
      console.error(`ingest: fleet ${principal.fleetId} failed:`, e);
      const res = await rejectIngest(req, unreachableFleet(e));
      return res ?? c.json({ error: "not_found", message: "no such procedure" }, 404);
    }
  },
);

/** A failed hand-off to the fleet's object as a Connect error: retryable ones as `unavailable`. */
function unreachableFleet(e: unknown): ConnectError {
  const flags = (typeof e === "object" && e !== null ? e : {}) as {
    retryable?: unknown;
    overloaded?: unknown;
  };
  if (flags.retryable === true || flags.overloaded === true) {
    return new ConnectError(
      "the fleet's hub is busy or restarting; retry",
      Code.Unavailable,
      undefined,
      undefined,
      e,
    );
  }
  return new ConnectError("internal error; the hub logged the cause", Code.Internal, undefined, undefined, e);
}
