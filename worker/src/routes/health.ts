import { Hono } from "hono";

/** Liveness for load balancers and the local start script. */
export const healthRoutes = new Hono<{ Bindings: Env }>().get("/health", (c) => c.json({ ok: true }));
