import { Counter, Gauge, type Registry } from 'prom-client';

/** What the HTTP API reports (`fleet_api_*`; ours, fleet had none). */
export interface ApiMetrics {
  /** One request was answered with `code`; `resource` is the route name (`units`, `unit`, `machines`, ...), never a raw path. */
  request(method: string, resource: string, code: number): void;
  /** A mutating request was answered: the principal's role (`none` when unauthenticated) and `ok`/`denied`/`limited`/`rejected`/`failed`. */
  audit(role: string, outcome: string): void;
  /**
   * Reports the per-identity in-flight cap's load at each scrape: `read`
   * returns running and waiting requests by principal class (`local`,
   * `anonymous`, or a token's role), never per token. A later call replaces
   * the source.
   */
  observeInflight(read: () => ReadonlyMap<string, { readonly running: number; readonly waiting: number; readonly maxWaiting: number }>): void;
}

const METHODS = new Set(['GET', 'PUT', 'PATCH', 'DELETE', 'POST', 'HEAD', 'OPTIONS']);

/** Registers the API metrics in `registry` and returns their recorder. */
export function createApiMetrics(registry: Registry): ApiMetrics {
  const requests = new Counter({ name: 'fleet_api_request_count_total', help: 'Counter of API requests by method, resource and status code.', labelNames: ['method', 'resource', 'code'], registers: [registry] });
  const audits = new Counter({ name: 'fleet_api_audit_total', help: 'Counter of mutating API requests by the role of who sent them and outcome.', labelNames: ['role', 'outcome'], registers: [registry] });
  let inflightSource: Parameters<ApiMetrics['observeInflight']>[0] = () => new Map();
  new Gauge({
    name: 'fleet_api_inflight_requests',
    help: 'API requests running or waiting for an in-flight slot (api_max_inflight_per_identity), summed by principal: local (the unix socket), anonymous, or the role of the tokens.',
    labelNames: ['principal', 'state'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [principal, load] of inflightSource()) {
        this.set({ principal, state: 'running' }, load.running);
        this.set({ principal, state: 'waiting' }, load.waiting);
      }
    },
  });
  new Gauge({
    name: 'fleet_api_inflight_queue_max',
    help: 'The longest queue of one identity waiting for an in-flight slot, by principal (refused with 429 beyond api_max_queued_per_identity).',
    labelNames: ['principal'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [principal, load] of inflightSource()) this.set({ principal }, load.maxWaiting);
    },
  });
  return {
    audit: (role, outcome) => audits.inc({ role, outcome }),
    observeInflight: (read) => {
      inflightSource = read;
    },
    // Unknown methods are folded into one label value so clients cannot grow the series set.
    request: (method, resource, code) => requests.inc({ method: METHODS.has(method) ? method : 'OTHER', resource, code: String(code) }),
  };
}
