import { type ExportFormat, type ExportRange, exportPath } from "../../lib/hosts-api";

const FORMATS: Record<ExportFormat, string> = { csv: "CSV", json: "JSON" };

/**
 * Download links for the host's history over the range the charts show
 * (every series it has, at the charts' step). Plain same-origin links: the
 * session cookie goes along and the hub names the file.
 */
export function ExportLinks({
  fleet,
  hostId,
  range,
  rangeLabel,
}: {
  fleet: string;
  hostId: string;
  range: ExportRange;
  rangeLabel: string;
}) {
  return (
    // biome-ignore lint/a11y/useSemanticElements: a fieldset is for form controls; these are links
    <div class="export-links" role="group" aria-label={`Export the last ${rangeLabel} of history`}>
      <span class="muted small" aria-hidden="true">
        Export
      </span>
      {(Object.keys(FORMATS) as ExportFormat[]).map((f) => (
        <a
          key={f}
          class="btn btn-small"
          href={exportPath(fleet, hostId, f, range)}
          download
          title={`Every series of this host over the last ${rangeLabel}, as ${FORMATS[f]}`}
          data-testid={`export-${f}`}
        >
          {FORMATS[f]}
        </a>
      ))}
    </div>
  );
}
