import { Counter, type Registry } from 'prom-client';

/** What the HTTP API reports (`fleet_api_*`; ours, fleet had none). */
export interface ApiMetrics {
  /** One request was answered with `code`; `resource` is the route name (`units`, `unit`, `machines`, ...), never a raw path. */
  request(method: string, resource: string, code: number): void;
}

const METHODS = new Set(['GET', 'PUT', 'PATCH', 'DELETE', 'POST', 'HEAD', 'OPTIONS']);

/** Registers the API metrics in `registry` and returns their recorder. */
export function createApiMetrics(registry: Registry): ApiMetrics {
  const requests = new Counter({ name: 'fleet_api_request_count_total', help: 'Counter of API requests by method, resource and status code.', labelNames: ['method', 'resource', 'code'], registers: [registry] });
  return {
    // Unknown methods are folded into one label value so clients cannot grow the series set.
    request: (method, resource, code) => requests.inc({ method: METHODS.has(method) ? method : 'OTHER', resource, code: String(code) }),
  };
}
