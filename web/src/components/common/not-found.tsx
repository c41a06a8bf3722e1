import { Link } from "./link";

/** Unknown path. */
export function NotFound({ path }: { path: string }) {
  return (
    <section class="page" data-testid="not-found">
      <h1>Page not found</h1>
      <p>
        Nothing lives at <code>{path}</code>. <Link href="/">Back to the fleet</Link>
      </p>
    </section>
  );
}
