/**
 * Load generators of the flood benchmark: an open-loop sender (a fixed
 * offered rate, whatever the server answers, as a flooding client does)
 * and a paced probe (one request at a time, every interval, timing each:
 * the well-behaved client whose latency is reported).
 */
import { fork } from 'node:child_process';
import { Agent, request } from 'node:http';

/** Where one HTTP request goes. */
export type FloodTarget = { readonly host: string; readonly port: number } | { readonly socketPath: string };

/** Sends one GET; resolves with the status, or `error`/`timeout`. Never rejects. */
export function getStatus(target: FloodTarget, path: string, headers: Record<string, string>, agent: Agent | false): Promise<string> {
  return new Promise((resolve) => {
    const req = request({ ...target, path, method: 'GET', headers, agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(String(res.statusCode)));
      res.on('error', () => resolve('error'));
    });
    req.setTimeout(10_000, () => req.destroy(new Error('timeout')));
    req.on('error', (err) => resolve(err.message === 'timeout' ? 'timeout' : 'error'));
    req.end();
  });
}

/** Counts by answer. */
export type StatusCounts = Record<string, number>;

function count(c: StatusCounts, k: string): void {
  c[k] = (c[k] ?? 0) + 1;
}

/**
 * Offers `rate` requests per second (ticks of 10 ms) until stopped, over a
 * keep-alive agent of `connections` sockets. A request due while every
 * socket waits for an answer is not sent and counted as `not sent
 * (backlog)`: nothing queues on the client side (its 10 s timeout would not
 * run there), and stopping waits at most one timeout.
 */
export class OpenLoop {
  readonly counts: StatusCounts = {};
  private sent = 0;
  private inFlight = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private readonly agent: Agent;

  constructor(
    private readonly target: FloodTarget,
    private readonly path: string,
    private readonly headers: Record<string, string>,
    private readonly rate: number,
    connections: number,
    private readonly maxInFlight = connections,
  ) {
    this.agent = new Agent({ keepAlive: true, maxSockets: connections });
  }

  start(): void {
    const t0 = performance.now();
    this.timer = setInterval(() => {
      const due = Math.floor(((performance.now() - t0) / 1000) * this.rate) - this.sent;
      for (let i = 0; i < due; i++) {
        this.sent++;
        if (this.inFlight.size >= this.maxInFlight) {
          count(this.counts, 'not sent (backlog)');
          continue;
        }
        const p: Promise<void> = getStatus(this.target, this.path, this.headers, this.agent).then((s) => {
          count(this.counts, s);
          this.inFlight.delete(p);
        });
        this.inFlight.add(p);
      }
    }, 10);
  }

  /** Stops offering, waits for the answers in flight, closes the sockets. */
  async stop(): Promise<StatusCounts> {
    clearInterval(this.timer);
    await Promise.all(this.inFlight);
    this.agent.destroy();
    return this.counts;
  }
}

/** One request at a time every `intervalMs`, each timed (ms). */
export class PacedProbe {
  readonly latencies: number[] = [];
  readonly counts: StatusCounts = {};
  private stopped = false;
  private done: Promise<void> | undefined;
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 1 });

  constructor(
    private readonly target: FloodTarget,
    private readonly path: string,
    private readonly headers: Record<string, string>,
    private readonly intervalMs: number,
  ) {}

  start(): void {
    this.done = (async () => {
      while (!this.stopped) {
        const t0 = performance.now();
        const s = await getStatus(this.target, this.path, this.headers, this.agent);
        const ms = performance.now() - t0;
        this.latencies.push(ms);
        count(this.counts, s);
        await new Promise((r) => setTimeout(r, Math.max(0, this.intervalMs - ms)));
      }
    })();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.done;
    this.agent.destroy();
  }
}

/** Latencies (ms) and answers of a probe. */
export interface ProbeResult {
  readonly latencies: number[];
  readonly counts: StatusCounts;
}

/**
 * Runs a {@link PacedProbe} in a child process (`flood-probe-child.js`).
 * @returns once the child probes; `stop()` ends it and resolves with what it measured.
 */
export async function startProbeProcess(target: FloodTarget, path: string, headers: Record<string, string>, intervalMs: number): Promise<{ stop(): Promise<ProbeResult> }> {
  const child = fork(new URL('./flood-probe-child.js', import.meta.url).pathname, [JSON.stringify({ target, path, headers, intervalMs })], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code) => reject(new Error(`flood probe exited with ${code} before starting`)));
  });
  return {
    stop: async () => {
      const result = new Promise<ProbeResult>((resolve, reject) => {
        child.once('message', (m) => resolve(m as ProbeResult));
        child.once('exit', (code) => reject(new Error(`flood probe exited with ${code} without a result`)));
      });
      child.send('stop');
      try {
        return await result;
      } finally {
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}
