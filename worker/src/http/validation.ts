import type { Context } from "hono";
import type { core } from "zod";
import type { ApiError } from "./errors";

/** zValidator hook: a failed validation becomes 400 `{error, message}` naming the field. */
export function jsonError(
  result: { success: true } | { success: false; error: core.$ZodError },
  c: Context,
): Response | undefined {
  if (result.success) return undefined;
  const issue = result.error.issues[0];
  const where = issue?.path.length ? `${issue.path.join(".")}: ` : "";
  return c.json(
    { error: "invalid_request", message: `${where}${issue?.message ?? "invalid"}` } satisfies ApiError,
    400,
  );
}
