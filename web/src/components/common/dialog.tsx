import { useSignal } from "@preact/signals";
import type { ComponentChildren } from "preact";
import { useEffect, useId, useRef } from "preact/hooks";
import { errorMessage } from "../../lib/api";
import { ErrorNotice } from "./notice";
import "../../styles/dialog.css";

/** Marks the control a dialog focuses when it opens (`data-autofocus="true"`). */
export const AUTOFOCUS = { "data-autofocus": "true" } as const;

/** Where focus goes when the control that opened a dialog is gone (a deleted row, another page). */
function focusFallback(): void {
  document.getElementById("main")?.focus();
}

/**
 * A modal dialog: a native `<dialog>` opened with `showModal()`, so the page
 * behind it is inert (Tab stays inside, screen readers see only the dialog)
 * and it sits above everything. On open the control marked `AUTOFOCUS` gets
 * focus; Escape closes it (`onClose`); on close focus returns to the control
 * that was focused before, or to the page's main region when that is gone.
 * The parent owns whether it is shown: it renders the dialog while open.
 */
export function Dialog({
  title,
  onClose,
  testId,
  wide,
  returnFocus,
  children,
}: {
  title: ComponentChildren;
  onClose: () => void;
  testId?: string;
  /** Wider, for commands and tables. */
  wide?: boolean;
  /** Where focus goes on close instead of the opener, when this gives an element (the opener is about to go). */
  returnFocus?: () => HTMLElement | null | undefined;
  children: ComponentChildren;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  // The latest onClose, for native events that outlive a render.
  const close = useRef(onClose);
  close.current = onClose;
  const focusTarget = useRef(returnFocus);
  focusTarget.current = returnFocus;
  const active = useRef(true);

  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    const opener = document.activeElement as HTMLElement | null;
    active.current = true;
    if (typeof d.showModal === "function") {
      if (!d.open) d.showModal();
    } else {
      d.setAttribute("open", "");
    }
    (d.querySelector<HTMLElement>('[data-autofocus="true"]') ?? d).focus();
    return () => {
      active.current = false;
      // Close before moving focus: while a modal dialog is open the page behind it is inert.
      if (d.open && typeof d.close === "function") d.close();
      const target = focusTarget.current?.() ?? opener;
      if (target && target !== document.body && target.isConnected !== false) target.focus();
      else focusFallback();
    };
  }, []);

  const requestClose = () => {
    if (active.current) close.current();
  };

  return (
    <dialog
      ref={ref}
      class={wide ? "dialog dialog-wide" : "dialog"}
      aria-labelledby={titleId}
      aria-modal="true"
      tabIndex={-1}
      data-testid={testId}
      onKeyDown={(e) => {
        if (e.key !== "Escape") return;
        e.preventDefault();
        e.stopPropagation();
        requestClose();
      }}
      // Escape handled natively (a second Escape may not be cancellable), and any other native close.
      onCancel={(e) => {
        e.preventDefault();
        requestClose();
      }}
      onClose={requestClose}
    >
      <div class="dialog-head">
        <h2 id={titleId} class="dialog-title">
          {title}
        </h2>
      </div>
      <div class="dialog-body">{children}</div>
    </dialog>
  );
}

/** The buttons row at the bottom of a dialog. */
export function DialogActions({ children }: { children: ComponentChildren }) {
  return <div class="dialog-actions">{children}</div>;
}

/**
 * "Are you sure?" for a destructive change: says what happens, then Cancel
 * (focused first, so Enter on open does no harm) and the action. While the
 * request runs both are disabled; a failure is shown inside the dialog and
 * it stays open. On success `onDone` runs (close it, navigate away).
 */
export function ConfirmDialog({
  title,
  confirmLabel,
  busyLabel,
  onConfirm,
  onDone,
  onClose,
  testId,
  returnFocus,
  children,
}: {
  title: ComponentChildren;
  confirmLabel: string;
  busyLabel: string;
  onConfirm: () => Promise<void>;
  onDone: () => void;
  onClose: () => void;
  testId: string;
  returnFocus?: () => HTMLElement | null | undefined;
  children: ComponentChildren;
}) {
  const busy = useSignal(false);
  const error = useSignal<string | undefined>(undefined);
  const confirm = async () => {
    if (busy.value) return;
    busy.value = true;
    error.value = undefined;
    try {
      await onConfirm();
    } catch (e) {
      error.value = errorMessage(e);
      busy.value = false;
      return;
    }
    onDone();
  };
  return (
    <Dialog title={title} onClose={() => busy.value || onClose()} testId={testId} returnFocus={returnFocus}>
      {children}
      <ErrorNotice message={error.value} testId="confirm-error" form />
      <DialogActions>
        <button
          type="button"
          class="btn"
          onClick={onClose}
          disabled={busy.value}
          data-testid="confirm-cancel"
          {...AUTOFOCUS}
        >
          Cancel
        </button>
        <button
          type="button"
          class="btn btn-danger-solid"
          onClick={() => void confirm()}
          disabled={busy.value}
          data-testid="confirm-ok"
        >
          {busy.value ? busyLabel : confirmLabel}
        </button>
      </DialogActions>
    </Dialog>
  );
}
