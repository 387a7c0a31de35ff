// Hash routes (#/messages/<id>): the hub serves one page at /console/, every view lives in the fragment.
import { useEffect, useState } from './html.js';

const current = () => location.hash.replace(/^#\/?/, '').split('?')[0].split('/').filter(Boolean).map(decodeURIComponent);

export function useRoute() {
  const [route, setRoute] = useState(current);
  useEffect(() => {
    const onChange = () => setRoute(current());
    addEventListener('hashchange', onChange);
    return () => removeEventListener('hashchange', onChange);
  }, []);
  return route;
}

export const href = (...parts) => `#/${parts.map(encodeURIComponent).join('/')}`;
export const go = (...parts) => { location.hash = href(...parts); };
