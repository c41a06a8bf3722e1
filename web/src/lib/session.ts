import { effect, signal } from "@preact/signals";
import { ApiError, createSession, deleteSession, errorMessage, getSession, type SessionInfo } from "./api";
import { watchFleetAlerts } from "./fleet-alerts";
import { live } from "./live";

/** Where sign-in stands. `error` explains why we are signed out, when it is worth saying. */
export type SessionState =
  | { state: "checking" }
  | { state: "signed-out"; error?: string }
  | { state: "signed-in"; info: SessionInfo };

export const session = signal<SessionState>({ state: "checking" });

function messageFor(e: unknown): string {
  if (e instanceof ApiError && e.status === 401)
    return "That token was not accepted. Check it and try again.";
  if (e instanceof ApiError && e.status === 403)
    return "That token cannot sign in to the dashboard (agent tokens only ingest).";
  return errorMessage(e);
}

/** Signs in with a viewer or admin token; the hub sets an HttpOnly cookie. Throws a readable message. */
export async function signIn(token: string): Promise<void> {
  try {
    const info = await createSession(token.trim());
    session.value = { state: "signed-in", info };
  } catch (e) {
    throw new Error(messageFor(e));
  }
}

/** Signs out here and at the hub (a failed DELETE still signs out locally). */
export async function signOut(): Promise<void> {
  try {
    await deleteSession();
  } catch {
    // The cookie may already be gone; the local state is what matters to the user.
  }
  session.value = { state: "signed-out" };
}

/**
 * Removes `?token=` from the address bar so it does not linger in history,
 * bookmarks or screenshots.
 */
function takeTokenFromUrl(): string | undefined {
  const url = new URL(location.href);
  const token = url.searchParams.get("token");
  if (token === null) return undefined;
  url.searchParams.delete("token");
  history.replaceState(history.state, "", url.pathname + url.search + url.hash);
  return token;
}

let checking = false;

/** After the live socket drops, find out whether it was because the session ended. */
async function recheckSession(): Promise<void> {
  if (checking || session.peek().state !== "signed-in") return;
  checking = true;
  try {
    const info = await getSession();
    if (!info && session.peek().state === "signed-in") {
      session.value = { state: "signed-out", error: "Your session has ended. Sign in again." };
    }
  } catch {
    // Hub unreachable: the socket keeps retrying; the indicator already says so.
  } finally {
    checking = false;
  }
}

/**
 * Resolves the session on start-up (a `?token=` from `npm start` first, then
 * the cookie) and keeps the live feed connected, and the fleet's thresholds
 * and firing count current, exactly while signed in.
 */
export async function startSession(): Promise<void> {
  live.onDrop = () => void recheckSession();
  effect(() => {
    const s = session.value;
    if (s.state !== "signed-in") {
      live.disconnect();
      return;
    }
    live.connect(s.info.fleet);
    // The cleanup runs on sign-out or a change of session.
    return watchFleetAlerts(s.info.fleet);
  });
  const token = takeTokenFromUrl();
  if (token) {
    try {
      await signIn(token);
      return;
    } catch (e) {
      session.value = { state: "signed-out", error: errorMessage(e) };
      return;
    }
  }
  try {
    const info = await getSession();
    session.value = info ? { state: "signed-in", info } : { state: "signed-out" };
  } catch (e) {
    session.value = { state: "signed-out", error: errorMessage(e) };
  }
}
