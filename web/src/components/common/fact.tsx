import type { ComponentChildren } from "preact";

/** One labelled figure of a `<dl class="facts">`; `metric` names it for tests and styling. */
export function Fact({ label, metric, value }: { label: string; metric?: string; value: ComponentChildren }) {
  return (
    <div>
      <dt>{label}</dt>
      <dd class="num" data-metric={metric}>
        {value}
      </dd>
    </div>
  );
}
