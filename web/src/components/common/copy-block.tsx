import { useSignal } from "@preact/signals";
import { useEffect, useRef } from "preact/hooks";
import { type CopyOutcome, copyText } from "../../lib/clipboard";
import "../../styles/copy.css";

/** How long "Copied" stays on the button. */
const FEEDBACK_MS = 2500;

const SAID: Record<CopyOutcome, string> = {
  copied: "Copied to the clipboard.",
  selected: "Selected: press Ctrl+C (⌘C) to copy.",
};

/**
 * A command or secret to copy: the text as it is (wrapped, never cut off),
 * under its label, with a Copy button. Where the clipboard is refused the
 * text is selected instead and the line below says how to copy it. Test ids:
 * `testId` on the block, `copy-text` and `copy-button` inside.
 */
export function CopyBlock({ label, text, testId }: { label: string; text: string; testId: string }) {
  const textRef = useRef<HTMLElement>(null);
  const outcome = useSignal<CopyOutcome | undefined>(undefined);
  useEffect(() => {
    if (outcome.value !== "copied") return;
    const t = setTimeout(() => {
      outcome.value = undefined;
    }, FEEDBACK_MS);
    return () => clearTimeout(t);
  }, [outcome.value]);
  const copy = async () => {
    outcome.value = await copyText(text, textRef.current);
  };
  return (
    <figure class="copy-block" data-testid={testId}>
      <figcaption class="copy-label">{label}</figcaption>
      <div class="copy-row">
        <pre class="copy-text">
          <code ref={textRef} data-testid="copy-text">
            {text}
          </code>
        </pre>
        <button
          type="button"
          class="btn btn-small copy-button"
          onClick={() => void copy()}
          data-testid="copy-button"
          data-outcome={outcome.value}
        >
          {outcome.value === "copied" ? "Copied" : "Copy"}
          <span class="visually-hidden">: {label}</span>
        </button>
      </div>
      <p class={outcome.value === "selected" ? "copy-status" : "visually-hidden"} role="status">
        {outcome.value ? SAID[outcome.value] : ""}
      </p>
    </figure>
  );
}
