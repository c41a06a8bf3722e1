import { useEffect, useState } from "preact/hooks";
import { errorMessage } from "./api";

/** A fetched value with its error; the last good value stays while reloading. */
export interface Resource<T> {
  data: T | undefined;
  error: string | undefined;
  loading: boolean;
  reload: () => void;
}

/** Loads on mount and whenever `deps` change or `reload()` is called; aborts the stale request. */
export function useResource<T>(load: (signal: AbortSignal) => Promise<T>, deps: unknown[]): Resource<T> {
  const [state, setState] = useState<Omit<Resource<T>, "reload">>({
    data: undefined,
    error: undefined,
    loading: true,
  });
  const [nonce, setNonce] = useState(0);
  useEffect(() => {
    const ctrl = new AbortController();
    setState((s) => ({ ...s, loading: true }));
    load(ctrl.signal).then(
      (data) => {
        if (!ctrl.signal.aborted) setState({ data, error: undefined, loading: false });
      },
      (e: unknown) => {
        if (!ctrl.signal.aborted) setState((s) => ({ data: s.data, error: errorMessage(e), loading: false }));
      },
    );
    return () => ctrl.abort();
  }, [...deps, nonce]);
  return { ...state, reload: () => setNonce((n) => n + 1) };
}
