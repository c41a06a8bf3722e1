import { type Signal, useSignal } from "@preact/signals";
import type { ComponentChildren, TargetedSubmitEvent } from "preact";
import { type FormError, formError } from "./field-error";
import { ErrorNotice } from "./notice";
import "../../styles/forms.css";

/** A labelled control stacked under its label; `wide` spans two grid columns. */
export function Field({
  label,
  wide,
  grow,
  children,
}: {
  label: ComponentChildren;
  wide?: boolean;
  grow?: boolean;
  children: ComponentChildren;
}) {
  const cls = `field-stack${wide ? " span-2" : ""}${grow ? " field-grow" : ""}`;
  return (
    // biome-ignore lint/a11y/noLabelWithoutControl: the control comes in as children, inside the label
    <label class={cls}>
      <span>{label}</span>
      {children}
    </label>
  );
}

/** What `useSubmit` gives a form. */
export interface Submission {
  /** Id of the error line, which the named field points to. */
  errorId: string;
  busy: Signal<boolean>;
  error: Signal<FormError | undefined>;
  submit: (e: TargetedSubmitEvent<HTMLFormElement>) => Promise<void>;
  /** `aria-invalid` and `aria-describedby` of the control that edits API field `field`. */
  aria: (field: string) => { "aria-invalid": true | undefined; "aria-describedby": string | undefined };
}

/**
 * Submit handling shared by the dashboard's forms: one request at a time, the
 * hub's validation message shown in the form's words (`labels`: API field ->
 * label), and the field it names marked invalid and focused. `save` runs
 * the request; on success the caller usually unmounts the form.
 */
export function useSubmit(
  errorId: string,
  labels: Readonly<Record<string, string>>,
  save: () => Promise<void>,
): Submission {
  const busy = useSignal(false);
  const error = useSignal<FormError | undefined>(undefined);
  const submit = async (e: TargetedSubmitEvent<HTMLFormElement>) => {
    e.preventDefault();
    // currentTarget is gone once the event has been dispatched: keep the form for after the await.
    const formEl = e.currentTarget;
    if (busy.value) return;
    busy.value = true;
    error.value = undefined;
    try {
      await save();
    } catch (err) {
      const failure = formError(err, labels);
      error.value = failure;
      busy.value = false;
      if (failure.field) formEl.querySelector<HTMLElement>(`[name="${failure.field}"]`)?.focus();
    }
  };
  const aria = (field: string) => {
    const named = error.value?.field === field;
    return {
      "aria-invalid": named ? (true as const) : undefined,
      "aria-describedby": named ? errorId : undefined,
    };
  };
  return { errorId, busy, error, submit, aria };
}

/** The answer to a failed submit, then the submit button (disabled while a request is out) and Cancel. */
export function FormFooter({
  submission,
  label,
  testId,
  small,
  onCancel,
}: {
  submission: Submission;
  label: string;
  testId: string;
  small?: boolean;
  onCancel: () => void;
}) {
  const size = small ? " btn-small" : "";
  return (
    <>
      <ErrorNotice
        id={submission.errorId}
        form
        testId="form-error"
        message={submission.error.value?.message}
      />
      <div class="form-actions">
        <button
          type="submit"
          class={`btn btn-primary${size}`}
          disabled={submission.busy.value}
          data-testid={testId}
        >
          {label}
        </button>
        <button type="button" class={`btn${size}`} onClick={onCancel}>
          Cancel
        </button>
      </div>
    </>
  );
}
