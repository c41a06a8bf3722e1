import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";

/**
 * A destructive action in two clicks: the first arms it ("Delete?" for 4 s),
 * the second runs it. No `confirm()` dialog, so it works the same with a
 * keyboard, a screen reader and in tests.
 */
export function ConfirmButton({
  label,
  confirmLabel,
  onConfirm,
  testId,
  disabled,
}: {
  label: string;
  confirmLabel: string;
  onConfirm: () => void;
  testId?: string;
  disabled?: boolean;
}) {
  const armed = useSignal(false);
  useEffect(() => {
    if (!armed.value) return;
    const t = setTimeout(() => {
      armed.value = false;
    }, 4000);
    return () => clearTimeout(t);
  }, [armed.value]);
  return (
    <button
      type="button"
      class={`btn btn-small${armed.value ? " btn-danger" : ""}`}
      disabled={disabled}
      data-testid={testId}
      data-armed={armed.value ? "true" : undefined}
      onClick={() => {
        if (armed.value) {
          armed.value = false;
          onConfirm();
        } else {
          armed.value = true;
        }
      }}
    >
      {armed.value ? confirmLabel : label}
    </button>
  );
}
