/** Host labels as `key=value` chips (text nodes only: labels are set on hosts, so untrusted). */
export function Labels({ labels, max }: { labels: Record<string, string> | undefined; max?: number }) {
  const entries = Object.entries(labels ?? {}).sort(([a], [b]) => a.localeCompare(b));
  if (entries.length === 0) return null;
  const shown = max === undefined ? entries : entries.slice(0, max);
  const more = entries.length - shown.length;
  return (
    <ul class="labels" aria-label="Labels">
      {shown.map(([k, v]) => (
        <li key={k} class="label">
          {k}={v}
        </li>
      ))}
      {more > 0 && (
        <li
          class="label label-more"
          title={entries
            .slice(shown.length)
            .map(([k, v]) => `${k}=${v}`)
            .join(", ")}
        >
          +{more}
        </li>
      )}
    </ul>
  );
}
