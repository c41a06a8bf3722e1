import { Options } from "./options";

/** A select of fixed choices (value -> text) with a visually hidden label, for toolbars. */
export function SelectField<V extends string>({
  label,
  value,
  labels,
  onChange,
  testId,
}: {
  label: string;
  value: V;
  labels: Readonly<Record<V, string>>;
  onChange: (value: V) => void;
  testId: string;
}) {
  return (
    <label class="field">
      <span class="visually-hidden">{label}</span>
      <select value={value} onChange={(e) => onChange(e.currentTarget.value as V)} data-testid={testId}>
        <Options labels={labels} />
      </select>
    </label>
  );
}
