import type { PlanUnit } from './model.js';
import { MinHeap } from './heap.js';

/**
 * Ordinary units waiting for a machine, handed out in placement order
 * (lowest rank first) so leaders are placed before their followers even when
 * a unit is re-queued mid-pass. Remembers why each unit needs a machine.
 */
export class PendingQueue {
  private readonly heap = new MinHeap();
  /** Per rank: 1 while the unit is queued. */
  private readonly queued: Uint8Array;
  private readonly causes = new Map<string, string>();

  /** `order` is the pass's placement order: `order[u.rank] === u`. */
  constructor(private readonly order: readonly PlanUnit[]) {
    this.queued = new Uint8Array(order.length);
  }

  /** Queues `unit` (once); `cause` says why it left its machine (undefined: it never had one). */
  push(unit: PlanUnit, cause?: string): void {
    if (cause !== undefined) this.causes.set(unit.name, cause);
    if (this.queued[unit.rank] === 1) return;
    this.queued[unit.rank] = 1;
    this.heap.push(unit.rank);
  }

  /** The queued unit with the lowest rank; undefined when empty. */
  pop(): PlanUnit | undefined {
    const rank = this.heap.pop();
    if (rank === undefined) return undefined;
    this.queued[rank] = 0;
    return this.order[rank]!;
  }

  /** Why `name` was queued after leaving a machine; undefined for a unit that had none. */
  cause(name: string): string | undefined {
    // Asked for every unit placed; none has a cause in a pass from scratch (no name hashed for nothing).
    return this.causes.size === 0 ? undefined : this.causes.get(name);
  }
}
