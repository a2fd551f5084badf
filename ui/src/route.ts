/**
 * The dashboard's location, in the URL fragment so fleetd serves one page:
 * `#/` overview, `#/units`, `#/unit/<name>`, `#/events`.
 */
import { useEffect, useState } from 'preact/hooks';

export type Route = { readonly view: 'overview' } | { readonly view: 'units' } | { readonly view: 'events' } | { readonly view: 'unit'; readonly name: string };

/** The route a fragment names; the overview for anything unknown. */
export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#\/?/, '');
  if (path === 'units') return { view: 'units' };
  if (path === 'events') return { view: 'events' };
  if (path.startsWith('unit/')) return { view: 'unit', name: decodeURIComponent(path.slice('unit/'.length)) };
  return { view: 'overview' };
}

/** The fragment of a route. */
export function href(route: Route): string {
  return route.view === 'unit' ? `#/unit/${encodeURIComponent(route.name)}` : `#/${route.view === 'overview' ? '' : route.view}`;
}

/** The current route, re-rendering on navigation. */
export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const on = () => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return route;
}
