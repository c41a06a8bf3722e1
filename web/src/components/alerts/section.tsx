import { type Signal, useSignal } from "@preact/signals";
import type { ComponentChildren } from "preact";
import { errorMessage } from "../../lib/api";
import { ErrorNotice } from "../common/notice";

/** A titled part of the alerts page: heading (`id` labels the section), header buttons, an error line. */
export function AlertsSection({
  id,
  title,
  actions,
  error,
  children,
}: {
  id: string;
  title: string;
  actions?: ComponentChildren;
  error?: string | undefined;
  children?: ComponentChildren;
}) {
  return (
    <section class="alerts-section" aria-labelledby={id}>
      <div class="section-head">
        <h2 id={id}>{title}</h2>
        {actions}
      </div>
      <ErrorNotice message={error} />
      {children}
    </section>
  );
}

/**
 * Runs a change against the hub (pause, delete, end a silence): on success
 * `onDone` (usually a reload), on failure the hub's message in `error`.
 */
export function useAction(onDone: () => void): {
  error: Signal<string | undefined>;
  run: (change: () => Promise<unknown>) => Promise<void>;
} {
  const error = useSignal<string | undefined>(undefined);
  const run = async (change: () => Promise<unknown>) => {
    error.value = undefined;
    try {
      await change();
      onDone();
    } catch (e) {
      error.value = errorMessage(e);
    }
  };
  return { error, run };
}

/** Which item a section's form is open for: a new one, an existing one, or none (closed). */
export interface Editor<T> {
  open: boolean;
  /** The item being edited; undefined for a new one. */
  item: T | undefined;
  /** Form key: a fresh form per item, so a form never shows another item's draft. */
  key: string;
  edit: (item: T | "new") => void;
  close: () => void;
}

export function useEditor<T extends { id: string }>(): Editor<T> {
  const editing = useSignal<T | "new" | undefined>(undefined);
  const v = editing.value;
  return {
    open: v !== undefined,
    item: v === "new" ? undefined : v,
    key: v === undefined || v === "new" ? "new" : v.id,
    edit: (item) => {
      editing.value = item;
    },
    close: () => {
      editing.value = undefined;
    },
  };
}
