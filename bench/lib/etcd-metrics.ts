/**
 * Reads etcd's Prometheus `/metrics` (served on the client URL) and turns
 * two readings into request and write counts, so a benchmark can say how
 * much it asked of etcd without instrumenting every client.
 */

/** Counter values by full series name, e.g. `grpc_server_handled_total{grpc_method="Txn",...}`. */
export type MetricsSample = ReadonlyMap<string, number>;

/** Fetches and parses `<endpoint>/metrics`. Throws when etcd does not answer. */
export async function readEtcdMetrics(endpoint: string): Promise<MetricsSample> {
  const res = await fetch(`${endpoint}/metrics`, { signal: AbortSignal.timeout(5000) });
  if (!res.ok) throw new Error(`etcd /metrics answered ${res.status}`);
  return parseMetrics(await res.text());
}

/** Parses Prometheus text format into series -> value (comments and histograms' buckets included as series). */
export function parseMetrics(text: string): MetricsSample {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const sp = line.lastIndexOf(' ');
    if (sp <= 0) continue;
    const v = Number(line.slice(sp + 1));
    if (Number.isFinite(v)) out.set(line.slice(0, sp), v);
  }
  return out;
}

/** Sum of every series of metric `name` whose labels contain all of `labels` (`k="v"` pairs). */
export function sumSeries(sample: MetricsSample, name: string, labels: Readonly<Record<string, string>> = {}): number {
  let total = 0;
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const [series, v] of sample) {
    if (series !== name && !series.startsWith(`${name}{`)) continue;
    if (want.every((w) => series.includes(w))) total += v;
  }
  return total;
}

/** What etcd did between two readings. */
export interface EtcdActivity {
  /** Unary gRPC calls handled, by method (Range, Txn, Put, DeleteRange, LeaseGrant, ...). */
  readonly unary: Readonly<Record<string, number>>;
  /** Messages received on streams, by method (Watch, LeaseKeepAlive). */
  readonly streamMessages: Readonly<Record<string, number>>;
  /** All gRPC requests: unary calls plus stream messages. */
  readonly requests: number;
  /** Keys written (mvcc puts + deletes). */
  readonly keysWritten: number;
  /** Range (read) operations, including reads inside transactions. */
  readonly ranges: number;
  /** Write transactions/batches committed through raft (every put, txn, lease grant/revoke counts once). */
  readonly proposals: number;
}

const UNARY = ['Range', 'Txn', 'Put', 'DeleteRange', 'Compact', 'LeaseGrant', 'LeaseRevoke', 'LeaseTimeToLive', 'LeaseLeases'];
const STREAMS = [
  ['Watch', 'etcdserverpb.Watch'],
  ['LeaseKeepAlive', 'etcdserverpb.Lease'],
] as const;

/** The difference `after - before`. */
export function etcdActivity(before: MetricsSample, after: MetricsSample): EtcdActivity {
  const d = (name: string, labels: Record<string, string> = {}) => sumSeries(after, name, labels) - sumSeries(before, name, labels);
  const unary: Record<string, number> = {};
  for (const m of UNARY) {
    const n = d('grpc_server_handled_total', { grpc_method: m });
    if (n > 0) unary[m] = n;
  }
  const streamMessages: Record<string, number> = {};
  for (const [m, service] of STREAMS) {
    const n = d('grpc_server_msg_received_total', { grpc_method: m, grpc_service: service });
    if (n > 0) streamMessages[m] = n;
  }
  // etcd 3.4 exports both names for the same counters; 3.5 only etcd_mvcc_*.
  const mvcc = (suffix: string) => (after.has(`etcd_mvcc_${suffix}`) ? d(`etcd_mvcc_${suffix}`) : d(`etcd_debugging_mvcc_${suffix}`));
  return {
    unary,
    streamMessages,
    requests: Object.values(unary).reduce((a, b) => a + b, 0) + Object.values(streamMessages).reduce((a, b) => a + b, 0),
    keysWritten: mvcc('put_total') + mvcc('delete_total'),
    ranges: mvcc('range_total'),
    proposals: d('etcd_server_proposals_committed_total'),
  };
}

/** One line summarizing `a` over `seconds` (per-second rates). */
export function describeActivity(a: EtcdActivity, seconds: number): string {
  const rate = (n: number) => (n / seconds).toFixed(1);
  const methods = [...Object.entries(a.unary), ...Object.entries(a.streamMessages).map(([k, v]) => [`${k}(msg)`, v] as const)]
    .sort(([x], [y]) => (x < y ? -1 : 1))
    .map(([k, v]) => `${k} ${rate(v)}/s`)
    .join(', ');
  return `${rate(a.requests)} req/s [${methods || 'none'}]; ${rate(a.keysWritten)} keys written/s; ${rate(a.ranges)} ranges/s; ${rate(a.proposals)} raft proposals/s`;
}
