import { ApiError, errorMessage } from "../../lib/api";
import { formatCount } from "../../lib/format";

/** A failed form submission: the hub's message, and the field it names when it names one of ours. */
export interface FormError {
  message: string;
  field?: string;
}

/**
 * The unit of an API field, from its name's suffix (`windowS`, `timeoutMs`,
 * `thresholdPct`), so "at least 60" reads "at least 60 s".
 */
export function unitOfField(field: string | undefined): string {
  if (!field) return "";
  if (/Ms$/.test(field)) return " ms";
  if (/[a-z]S$/.test(field)) return " s";
  if (/Pct$/.test(field)) return " %";
  if (/Bytes$/.test(field)) return " bytes";
  return "";
}

const n = (s: string) => formatCount(Number(s));
const chars = (s: string) => (s === "1" ? "1 character" : `${n(s)} characters`);
const items = (s: string) => (s === "1" ? "1 item" : `${n(s)} items`);

/**
 * The hub's validation messages (zod's wording: `Too small: expected string
 * to have >=1 characters`) in a person's words: `Required`, `At least 3
 * characters`, `At most 86,400 s` (the unit from the field's name). A
 * message it does not know comes back as it was.
 */
export function humanMessage(message: string, field?: string): string {
  const unit = unitOfField(field);
  const rules: [RegExp, (m: RegExpExecArray) => string][] = [
    [/^Too small: expected string to have >=1 characters?$/, () => "Required"],
    [/^Too small: expected string to have >=(\d+) characters?$/, (m) => `At least ${chars(m[1] ?? "")}`],
    [/^Too big: expected string to have <=(\d+) characters?$/, (m) => `At most ${chars(m[1] ?? "")}`],
    [/^Too small: expected array to have >=1 items?$/, () => "Choose at least one"],
    [/^Too small: expected array to have >=(\d+) items?$/, (m) => `At least ${items(m[1] ?? "")}`],
    [/^Too big: expected array to have <=(\d+) items?$/, (m) => `At most ${items(m[1] ?? "")}`],
    [/^Too small: expected number to be >=(-?[\d.]+)$/, (m) => `At least ${n(m[1] ?? "")}${unit}`],
    [/^Too small: expected number to be >(-?[\d.]+)$/, (m) => `More than ${n(m[1] ?? "")}${unit}`],
    [/^Too big: expected number to be <=(-?[\d.]+)$/, (m) => `At most ${n(m[1] ?? "")}${unit}`],
    [/^Too big: expected number to be <(-?[\d.]+)$/, (m) => `Less than ${n(m[1] ?? "")}${unit}`],
    [/^Invalid input: expected int, received number$/, () => `A whole number${unit ? ` of${unit}` : ""}`],
    [/^Invalid input: expected number, received (?:NaN|string)$/, () => "Enter a number"],
    [/^Invalid input: expected \w+, received undefined$/, () => "Required"],
    [
      /^Invalid option: expected one of (.+)$/,
      (m) => `Choose one of ${(m[1] ?? "").replaceAll('"', "").split("|").join(", ")}`,
    ],
    [/^Invalid URL$/i, () => "Enter a full URL, such as https://example.com/hook"],
    [/^Invalid email address$/i, () => "Enter an email address"],
    [/^Unrecognized keys?: (.+)$/, (m) => `Unknown field ${(m[1] ?? "").replaceAll('"', "")}`],
    [/^Invalid string: must match pattern .*$/, () => "Not in the expected format"],
  ];
  for (const [re, say] of rules) {
    const m = re.exec(message);
    if (m) return say(m);
  }
  return message;
}

/**
 * The hub answers a bad body with 400 `{error, message}` where the message
 * starts with the field path (`windowS: Too small ...`). The form shows the
 * message in a person's words with the field's label, and marks that field.
 */
export function formError(e: unknown, labels: Record<string, string>): FormError {
  const message = errorMessage(e);
  if (!(e instanceof ApiError)) return { message };
  const m = /^([A-Za-z.0-9]+): (.*)$/s.exec(message);
  const path = m?.[1];
  const field = path?.split(".")[0];
  if (!m || !path || !field) return { message: humanMessage(message) };
  const leaf = path
    .split(".")
    .filter((p) => !/^\d+$/.test(p))
    .at(-1);
  const text = humanMessage(m[2] ?? "", leaf);
  if (!(field in labels)) return { message: `${path}: ${text}` };
  return { message: `${labels[field]}: ${text}`, field };
}
