import type { ComponentChildren } from "preact";

/** A column of a data table: its header text, right-aligned when the column holds numbers. */
export type Column = string | { label: string; num: true };

/** A table's header row of `scope="col"` cells, plus an unlabelled "Actions" column when `actions`. */
export function TableHead({ columns, actions }: { columns: readonly Column[]; actions?: boolean }) {
  return (
    <thead>
      <tr>
        {columns.map((c) =>
          typeof c === "string" ? (
            <th key={c} scope="col">
              {c}
            </th>
          ) : (
            <th key={c.label} scope="col" class="num">
              {c.label}
            </th>
          ),
        )}
        {actions && (
          <th scope="col">
            <span class="visually-hidden">Actions</span>
          </th>
        )}
      </tr>
    </thead>
  );
}

/** A full-width data table in a flush panel that scrolls sideways on its own, never the page. */
export function ListTable({
  testId,
  class: extra,
  columns,
  actions,
  children,
}: {
  testId: string;
  class?: string;
  columns: readonly Column[];
  actions?: boolean;
  children: ComponentChildren;
}) {
  return (
    <div class="table-scroll panel panel-flush">
      <table class={extra ? `data-table ${extra}` : "data-table"} data-testid={testId}>
        <TableHead columns={columns} actions={actions} />
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}
