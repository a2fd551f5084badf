/**
 * The API's middleware chain: every request runs through the same ordered
 * stages, each a function of the request context and the rest of the
 * chain. The order (`chain.ts`) is
 *
 *   observe → translate errors → authenticate → authorise → rate-limit → handler
 *
 * and the three security stages are the seams token authentication and
 * limits plug into, per listener.
 */
import type { ServerResponse } from 'node:http';
import type { Principal } from '../auth/index.js';
import type { ApiContext } from './context.js';
import type { Reply } from './reply.js';
import type { ApiRequest } from './request.js';
import type { RouteMatch } from './router.js';

/** The listener a request arrived on, as the chain sees it. */
export interface ApiListener {
  /** `unix` for a unix socket, `tcp` otherwise; a socket-activated descriptor is whichever it is bound as. */
  readonly kind: 'unix' | 'tcp';
  /** `unix:///path`, `tcp://127.0.0.1:49152`, `fd://3`. */
  readonly address: string;
}

/** One request as the middleware chain sees it. */
export interface RequestContext {
  readonly request: ApiRequest;
  /** For stages that must act when the response is over (metrics); the reply is still written by the server. */
  readonly response: ServerResponse;
  readonly route: RouteMatch;
  readonly listener: ApiListener;
  readonly api: ApiContext;
  /** Who sent the request; undefined until the authenticate stage has run. */
  principal: Principal | undefined;
}

/** The rest of the chain. */
export type Next = () => Promise<Reply>;

/** One stage: answer itself (refuse, serve) or call `next` and pass (or adjust) its reply. */
export type Middleware = (rc: RequestContext, next: Next) => Promise<Reply>;

/**
 * Chains `stages` in order in front of `terminal`.
 * @returns a function running the whole chain for one request; it rejects
 *   with whatever a stage or the terminal throws and no earlier stage caught.
 */
export function compose(stages: readonly Middleware[], terminal: (rc: RequestContext) => Promise<Reply>): (rc: RequestContext) => Promise<Reply> {
  return (rc) => {
    const run = (i: number): Promise<Reply> => (i === stages.length ? terminal(rc) : stages[i]!(rc, () => run(i + 1)));
    return run(0);
  };
}
