import { startEtcd, type TestEtcd } from '../../src/sandbox/etcd.js';
import type { BenchArgs } from './args.js';

/** The etcd a benchmark talks to: its own throwaway one, or one given with `--endpoint`. */
export interface EtcdTarget {
  readonly endpoint: string;
  /** PID of the etcd we started (for CPU/RSS readings); undefined for an external one. */
  readonly pid: number | undefined;
  /** Stops the etcd we started; a no-op for an external one. */
  stop(): Promise<void>;
}

/** Starts a loopback etcd unless `--endpoint` names one. Rejects when etcd does not start. */
export async function etcdTarget(args: BenchArgs): Promise<EtcdTarget> {
  const endpoint = args.string('endpoint');
  if (endpoint !== undefined) return { endpoint, pid: undefined, stop: async () => undefined };
  const etcd: TestEtcd = await startEtcd();
  return { endpoint: etcd.endpoints[0]!, pid: etcd.pid, stop: () => etcd.stop() };
}
