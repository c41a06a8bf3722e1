import { createMiddleware } from "hono/factory";

/**
 * Content-Security-Policy of every Worker response. The dashboard's HTML is
 * served by the static assets binding before the Worker runs, so
 * `web/public/_headers` carries the same policy for it.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join("; ");

/** Headers set on every response the Worker produces (API, Connect, errors). */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "Content-Security-Policy": CONTENT_SECURITY_POLICY,
  "X-Frame-Options": "DENY",
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
  "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
  "Cross-Origin-Opener-Policy": "same-origin",
};

/**
 * Adds SECURITY_HEADERS to every response. Responses that come back from
 * the fleet's Durable Object have immutable headers, so those are copied
 * first; a WebSocket upgrade (101) is passed through untouched because its
 * socket cannot be moved to a new Response, and a socket carries no document.
 */
export const securityHeaders = createMiddleware(async (c, next) => {
  await next();
  if (c.res.status === 101) return;
  try {
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) c.res.headers.set(k, v);
  } catch {
    // Immutable headers (a response from a stub): copy, then set.
    c.res = new Response(c.res.body, c.res);
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) c.res.headers.set(k, v);
  }
});
