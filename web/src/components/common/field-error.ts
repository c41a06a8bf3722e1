import { ApiError, errorMessage } from "../../lib/api";

/** A failed form submission: the hub's message, and the field it names when it names one of ours. */
export interface FormError {
  message: string;
  field?: string;
}

/**
 * The hub answers a bad body with 400 `{error, message}` where the message
 * starts with the field path (`windowS: Too small ...`). The form shows the
 * message with the field's label and marks that field.
 */
export function formError(e: unknown, labels: Record<string, string>): FormError {
  const message = errorMessage(e);
  if (!(e instanceof ApiError)) return { message };
  const m = /^([A-Za-z.]+): (.*)$/s.exec(message);
  const field = m?.[1]?.split(".")[0];
  if (!m || !field || !(field in labels)) return { message };
  return { message: `${labels[field]}: ${m[2]}`, field };
}
