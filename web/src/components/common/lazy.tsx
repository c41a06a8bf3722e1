import type { ComponentType, FunctionComponent } from "preact";
import { useEffect, useState } from "preact/hooks";

/**
 * A component whose code is a separate chunk, fetched on first render.
 * (Preact's own `lazy` lives in preact/compat, which we do not ship.)
 */
export function lazy<P extends object>(load: () => Promise<ComponentType<P>>): FunctionComponent<P> {
  let loaded: ComponentType<P> | undefined;
  let pending: Promise<ComponentType<P>> | undefined;
  return function Lazy(props: P) {
    const [, setReady] = useState(0);
    const [error, setError] = useState<string>();
    useEffect(() => {
      if (loaded) return;
      let alive = true;
      pending ??= load();
      pending.then(
        (c) => {
          loaded = c;
          if (alive) setReady((n) => n + 1);
        },
        () => {
          pending = undefined;
          if (alive)
            setError("This page failed to load. The dashboard may have been updated: reload the page.");
        },
      );
      return () => {
        alive = false;
      };
    }, []);
    if (loaded) {
      const C = loaded;
      return <C {...props} />;
    }
    if (error) {
      return (
        <p class="notice notice-error" role="alert">
          {error}
        </p>
      );
    }
    return <p class="notice">Loading…</p>;
  };
}
