import { useCallback, useEffect, useRef, useState } from './html.js';

/**
 * Runs `load` when `deps` change (and on `reload()`); `{ data, error, loading }`. An answer that
 * arrives after a newer request started is dropped, so a slow page never overwrites a newer one.
 */
export function useAsync(load, deps) {
  const [state, setState] = useState({ data: undefined, error: undefined, loading: true });
  const generation = useRef(0);
  const run = useCallback(() => {
    const mine = ++generation.current;
    setState((s) => ({ ...s, loading: true, error: undefined }));
    Promise.resolve().then(load).then(
      (data) => mine === generation.current && setState({ data, error: undefined, loading: false }),
      (error) => mine === generation.current && setState({ data: undefined, error, loading: false }),
    );
  }, deps);
  useEffect(run, [run]);
  return { ...state, reload: run };
}
