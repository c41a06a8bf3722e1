import { bodyLimit } from "hono/body-limit";
import type { ApiError } from "./errors";

/** Largest REST request body accepted. Every API body is a small JSON object. */
export const MAX_API_BODY_BYTES = 64 * 1024;

/**
 * Refuses REST bodies over MAX_API_BODY_BYTES with 413 `{error, message}`,
 * by Content-Length when given, else while the body streams in (a missing
 * or lying length does not get past it).
 */
export const apiBodyLimit = bodyLimit({
  maxSize: MAX_API_BODY_BYTES,
  onError: (c) =>
    c.json(
      {
        error: "payload_too_large",
        message: `request body exceeds ${MAX_API_BODY_BYTES} bytes`,
      } satisfies ApiError,
      413,
    ),
});
