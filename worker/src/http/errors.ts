import type { ErrorHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";

/** The one error shape of the REST API: `{error, message}` with an HTTP status. */
export interface ApiError {
  error: string;
  message: string;
}

/** Throws an HTTP error that `onError` renders as `{error, message}`. */
export function httpError(status: ContentfulStatusCode, error: string, message: string): never {
  throw new HTTPException(status, { res: Response.json({ error, message } satisfies ApiError, { status }) });
}

/** Renders every error as JSON; unexpected ones are logged and never leak internals. */
export const onError: ErrorHandler = (err, c) => {
  if (err instanceof HTTPException) {
    const res = err.getResponse();
    if (res.headers.get("content-type")?.includes("application/json")) return res;
    return c.json(
      { error: errorName(err.status), message: err.message || errorName(err.status) },
      err.status,
    );
  }
  console.error(`${c.req.method} ${new URL(c.req.url).pathname}:`, err);
  return c.json({ error: "internal", message: "internal error" } satisfies ApiError, 500);
};

function errorName(status: number): string {
  switch (status) {
    case 400:
      return "bad_request";
    case 401:
      return "unauthenticated";
    case 403:
      return "forbidden";
    case 404:
      return "not_found";
    case 413:
      return "payload_too_large";
    default:
      return "error";
  }
}
