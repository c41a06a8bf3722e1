import { useEffect } from "preact/hooks";
import { session } from "../../lib/session";
import { TokensSection } from "./tokens-section";
import "../../styles/forms.css";
import "../../styles/settings.css";

/** Settings of the fleet: its access tokens (admins; the hub refuses the list to viewers). */
export function SettingsPage() {
  const s = session.value;
  const fleet = s.state === "signed-in" ? s.info.fleet : "";
  const admin = s.state === "signed-in" && s.info.role === "admin";
  useEffect(() => {
    document.title = "Settings · fleetwatch";
    return () => {
      document.title = "fleetwatch";
    };
  }, []);
  return (
    <section class="page settings-page" aria-labelledby="settings-title" data-testid="settings-page">
      <div class="section-head">
        <h1 id="settings-title">Settings</h1>
      </div>
      {admin ? (
        <TokensSection fleet={fleet} />
      ) : (
        <p class="notice" data-testid="settings-admin-only">
          Access tokens are managed with an admin token: sign in with one to see them.
        </p>
      )}
    </section>
  );
}
