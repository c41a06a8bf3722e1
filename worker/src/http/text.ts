import { z } from "zod";

/**
 * Characters no name, label or hostname may hold: C0 and C1 controls, DEL,
 * zero-width and bidirectional formatting characters (which can make one
 * name look like another), line and paragraph separators and the BOM.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
export const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/;

/** The error text for a value holding CONTROL_CHARS. */
export const CONTROL_CHARS_MESSAGE = "must not contain control or invisible formatting characters";

/** A display name of a fleet, token, rule or channel: 1-100 visible characters. */
export const displayName = z
  .string()
  .trim()
  .min(1)
  .max(100)
  .refine((s) => !CONTROL_CHARS.test(s), CONTROL_CHARS_MESSAGE);
