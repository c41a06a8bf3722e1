// No imports: the CLI scripts load this file directly with Node.

/** Fleet ids appear in URLs and DO names: lower-case letters, digits and dashes, at most 63. */
export const FLEET_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** Whether `id` is a well-formed fleet id. */
export function isFleetId(id: string): boolean {
  return FLEET_ID.test(id);
}
