import { fork, type ChildProcess } from 'node:child_process';
import type { ChildMessage, ChildStats, ChildUsage } from './protocol.js';

/** A child process of the scale benchmark, driven over IPC. */
export class BenchChild {
  private readonly waiters: Array<(m: ChildMessage) => void> = [];
  private exited = false;

  private constructor(
    readonly name: string,
    readonly proc: ChildProcess,
  ) {
    proc.on('message', (m: ChildMessage) => {
      const w = this.waiters.shift();
      w?.(m);
    });
    proc.once('exit', () => {
      this.exited = true;
      for (const w of this.waiters.splice(0)) w({ type: 'error', message: `${name} exited` });
    });
  }

  /**
   * Forks `script` (a compiled file next to this one) with `config` as JSON
   * and waits for its `ready`. `execArgv` lets the caller add `--cpu-prof`.
   * Rejects (after killing it) when the child reports an error or exits.
   */
  static async start(name: string, script: string, config: unknown, execArgv: readonly string[] = []): Promise<BenchChild> {
    const path = new URL(script, import.meta.url).pathname;
    const proc = fork(path, [JSON.stringify(config)], { execArgv: [...execArgv], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const child = new BenchChild(name, proc);
    const m = await child.next();
    if (m.type !== 'ready') {
      await child.kill();
      throw new Error(`${name} failed to start: ${m.type === 'error' ? m.message : m.type}`);
    }
    return child;
  }

  /** PID of the child. */
  get pid(): number {
    return this.proc.pid ?? -1;
  }

  private next(): Promise<ChildMessage> {
    if (this.exited) return Promise.resolve({ type: 'error', message: `${this.name} exited` });
    return new Promise((r) => this.waiters.push(r));
  }

  /** Asks for the child's usage and stats. Rejects when it has exited. */
  async stats(): Promise<{ usage: ChildUsage } & ChildStats> {
    const reply = this.next();
    this.proc.send({ type: 'stats' });
    const m = await reply;
    if (m.type !== 'stats') throw new Error(`${this.name}: ${m.type === 'error' ? m.message : m.type}`);
    return m;
  }

  /** Asks the child to stop and waits up to `graceMs` before SIGKILLing it by PID. Never throws. */
  async stop(graceMs = 10_000): Promise<void> {
    if (this.exited) return;
    const gone = new Promise<void>((r) => this.proc.once('exit', () => r()));
    try {
      this.proc.send({ type: 'stop' });
    } catch {
      /* channel already closed */
    }
    const timer = setTimeout(() => void this.kill(), graceMs);
    await gone;
    clearTimeout(timer);
  }

  /** SIGKILLs the child by PID and waits for it to exit. */
  async kill(): Promise<void> {
    if (this.exited) return;
    const gone = new Promise<void>((r) => this.proc.once('exit', () => r()));
    this.proc.kill('SIGKILL');
    await gone;
  }
}
