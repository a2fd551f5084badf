/**
 * The dashboard: asks who this session is (a token when the fleetd wants
 * one), keeps the store live, and shows the view the URL fragment names.
 */
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import type { VNode } from 'preact';
import { ApiError, whoAmI, type WhoAmI } from '../api.js';
import { keepLive } from '../live.js';
import { NO_FILTER, type UnitFilter } from '../model/filter.js';
import { useRoute } from '../route.js';
import { sessionToken, setSessionToken } from '../session.js';
import type { Store } from '../store.js';
import { EventsPane } from './events.js';
import { Header } from './header.js';
import { Login } from './login.js';
import { Overview } from './overview.js';
import { UnitPage } from './unit-page.js';
import { UnitsTable } from './units.js';
import { useStore } from './common.js';

type Session = { readonly phase: 'checking' } | { readonly phase: 'login'; readonly error?: string } | { readonly phase: 'ready'; readonly who: WhoAmI } | { readonly phase: 'failed'; readonly error: string };

export function App({ store }: { readonly store: Store }): VNode {
  const [session, setSession] = useState<Session>({ phase: 'checking' });
  const [filter, setFilter] = useState<UnitFilter>(NO_FILTER);
  const route = useRoute();
  useStore(store);

  const check = () => {
    whoAmI().then(
      (who) => setSession({ phase: 'ready', who }),
      (e: Error) => {
        if (e instanceof ApiError && e.status === 401) {
          const had = sessionToken() !== undefined;
          setSessionToken(undefined);
          setSession({ phase: 'login', ...(had ? { error: e.message } : {}) });
        } else setSession({ phase: 'failed', error: e.message });
      },
    );
  };
  useEffect(check, []);
  useEffect(() => {
    if (session.phase !== 'ready') return undefined;
    const ctl = new AbortController();
    void keepLive(store, ctl.signal);
    // Leaving the page ends the event stream at once: otherwise the browser
    // kept each left page's stream connection, and after five page loads the
    // sixth one's requests queued behind them (6 connections per host) ~58 s.
    const leave = (): void => ctl.abort();
    window.addEventListener('pagehide', leave);
    return () => {
      window.removeEventListener('pagehide', leave);
      ctl.abort();
    };
  }, [session.phase]);

  if (session.phase === 'checking') return html`<main class="empty">Connecting to fleetd…</main>`;
  if (session.phase === 'failed') return html`<main class="error">Cannot reach the fleet API: ${session.error} <button onClick=${check}>retry</button></main>`;
  if (session.phase === 'login') {
    return html`<${Login}
      error=${session.error}
      onToken=${(t: string) => {
        setSessionToken(t);
        setSession({ phase: 'checking' });
        check();
      }}
    />`;
  }
  const { who } = session;
  const canOperate = who.role === 'operate' || who.role === 'admin';
  const signOut =
    who.kind === 'token'
      ? () => {
          setSessionToken(undefined);
          location.reload();
        }
      : undefined;
  let view: VNode;
  switch (route.view) {
    case 'units':
      view = html`<${UnitsTable} store=${store} filter=${filter} onFilter=${setFilter} />`;
      break;
    case 'events':
      view = html`<${EventsPane} store=${store} />`;
      break;
    case 'unit':
      view = html`<${UnitPage} key=${route.name} store=${store} name=${route.name} canOperate=${canOperate} here=${who.machineId} />`;
      break;
    default:
      view = html`<${Overview} store=${store} />`;
  }
  return html`<${Header} store=${store} route=${route} who=${who} onSignOut=${signOut} />${view}`;
}
