/**
 * An error line announced to screen readers (`role="alert"`); nothing when
 * there is no message. `form` styles it as a form's answer.
 */
export function ErrorNotice({
  message,
  id,
  testId,
  form,
}: {
  message: string | undefined;
  id?: string;
  testId?: string;
  form?: boolean;
}) {
  if (!message) return null;
  return (
    <p
      id={id}
      class={form ? "notice notice-error form-error" : "notice notice-error"}
      role="alert"
      data-testid={testId}
    >
      {message}
    </p>
  );
}
