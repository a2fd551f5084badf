/**
 * A {@link PacedProbe} in its own process, so the probe's latencies are not
 * inflated by the flood's event loop in the benchmark process. Argument: a
 * JSON {@link ProbeJob}; runs until it receives `stop` on its IPC channel,
 * then sends back `{ latencies, counts }` and exits (or exits at once when
 * the channel closes).
 */
import { PacedProbe, type FloodTarget } from './flood.js';

/** What the child probes. */
export interface ProbeJob {
  readonly target: FloodTarget;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly intervalMs: number;
}

const job = JSON.parse(process.argv[2] ?? '{}') as ProbeJob;
const probe = new PacedProbe(job.target, job.path, job.headers, job.intervalMs);
probe.start();
process.send?.('started');
// The benchmark went away without stopping us (it failed): stop too.
process.on('disconnect', () => process.exit(0));
process.on('message', (m) => {
  if (m !== 'stop') return;
  void probe.stop().then(() => {
    process.send?.({ latencies: probe.latencies, counts: probe.counts }, () => process.exit(0));
  });
});
