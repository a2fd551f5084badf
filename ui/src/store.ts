/**
 * The dashboard's one store: the cluster picture (`model/cluster.ts`),
 * recent events, the live connection's status and the action log. Views
 * subscribe; a change notifies them once per frame at most, so a burst of
 * events is one render.
 */
import { emptyCluster, type ClusterData } from './model/cluster.js';
import type { ClusterEvent } from './model/events.js';

/** How the picture is kept current. */
export type LiveStatus = { readonly kind: 'loading' } | { readonly kind: 'live'; readonly via: 'stream' | 'polling' } | { readonly kind: 'retrying'; readonly reason: string };

/** One line of an action's progress. */
export interface ActionLine {
  readonly at: number;
  readonly text: string;
  readonly kind: 'info' | 'ok' | 'error';
}

/** An action run from the dashboard and how it went. */
export interface ActionRun {
  readonly id: number;
  readonly unit: string;
  readonly action: string;
  readonly lines: ActionLine[];
  state: 'running' | 'ok' | 'failed';
}

/** Events kept for the events pane and unit pages. */
export const MAX_EVENTS = 2000;

export class Store {
  data: ClusterData = emptyCluster();
  /** Newest last. */
  events: ClusterEvent[] = [];
  status: LiveStatus = { kind: 'loading' };
  /** When the first full picture arrived (ms since page load), for the benchmark. */
  firstLoadMs: number | undefined;
  readonly actions: ActionRun[] = [];
  /** Bumped on every change; views compare it. */
  version = 0;
  private readonly listeners = new Set<() => void>();
  private scheduled = false;
  private nextActionId = 1;

  /** Calls `fn` after changes (batched); returns the unsubscribe. */
  subscribe(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Marks a change; listeners run once on the next frame. */
  changed(): void {
    this.version++;
    if (this.scheduled) return;
    this.scheduled = true;
    const run = () => {
      this.scheduled = false;
      for (const fn of [...this.listeners]) fn();
    };
    if (typeof requestAnimationFrame === 'function' && document.visibilityState === 'visible') requestAnimationFrame(run);
    else setTimeout(run, 16);
  }

  /** Replaces the whole picture (a fresh listing). */
  replace(data: ClusterData): void {
    this.data = data;
    this.firstLoadMs ??= performance.now();
    this.changed();
  }

  /** Appends events (newest last), keeping the most recent {@link MAX_EVENTS}. */
  addEvents(events: readonly ClusterEvent[]): void {
    if (events.length === 0) return;
    this.events.push(...events);
    if (this.events.length > MAX_EVENTS) this.events.splice(0, this.events.length - MAX_EVENTS);
    this.changed();
  }

  setStatus(status: LiveStatus): void {
    this.status = status;
    this.changed();
  }

  /** Starts an action record. */
  startAction(unit: string, action: string): ActionRun {
    const run: ActionRun = { id: this.nextActionId++, unit, action, lines: [], state: 'running' };
    this.actions.unshift(run);
    if (this.actions.length > 50) this.actions.pop();
    this.changed();
    return run;
  }

  /** Adds a progress line to `run`. */
  log(run: ActionRun, text: string, kind: ActionLine['kind'] = 'info'): void {
    run.lines.push({ at: Date.now(), text, kind });
    this.changed();
  }

  finish(run: ActionRun, ok: boolean): void {
    run.state = ok ? 'ok' : 'failed';
    this.changed();
  }
}
