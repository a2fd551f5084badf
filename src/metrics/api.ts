import { Counter, type Registry } from 'prom-client';

/** What the HTTP API reports (`fleet_api_*`; ours, fleet had none). */
export interface ApiMetrics {
  /** One request was answered with `code`; `resource` is the route name (`units`, `unit`, `machines`, ...), never a raw path. */
  request(method: string, resource: string, code: number): void;
  /** A mutating request was answered: the principal's role (`none` when unauthenticated) and `ok`/`denied`/`limited`/`rejected`/`failed`. */
  audit(role: string, outcome: string): void;
}

const METHODS = new Set(['GET', 'PUT', 'PATCH', 'DELETE', 'POST', 'HEAD', 'OPTIONS']);

/** Registers the API metrics in `registry` and returns their recorder. */
export function createApiMetrics(registry: Registry): ApiMetrics {
  const requests = new Counter({ name: 'fleet_api_request_count_total', help: 'Counter of API requests by method, resource and status code.', labelNames: ['method', 'resource', 'code'], registers: [registry] });
  const audits = new Counter({ name: 'fleet_api_audit_total', help: 'Counter of mutating API requests by the role of who sent them and outcome.', labelNames: ['role', 'outcome'], registers: [registry] });
  return {
    audit: (role, outcome) => audits.inc({ role, outcome }),
    // Unknown methods are folded into one label value so clients cannot grow the series set.
    request: (method, resource, code) => requests.inc({ method: METHODS.has(method) ? method : 'OTHER', resource, code: String(code) }),
  };
}
