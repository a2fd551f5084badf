/**
 * The two registries every registry contract suite runs against: the
 * in-memory twin on a manual clock and a real etcd (one per suite, started
 * before and stopped after it, by PID). Each harness gets its own key prefix.
 */
import { after, before, describe } from 'node:test';
import { ManualClock, settle } from '../../src/clock.js';
import { createEtcdRegistry } from '../../src/registry/etcd-registry.js';
import { createMemoryRegistry } from '../../src/registry/memory-registry.js';
import type { CorruptRecordError } from '../../src/registry/errors.js';
import type { Registry } from '../../src/registry/registry.js';
import { startEtcd, type TestEtcd } from '../../src/sandbox/etcd.js';

/** What each backend gives a test. */
export interface ContractHarness {
  readonly registry: Registry;
  /** Lets `ms` of time pass (manual clock: advance; real clock: settle, then sleep). */
  advance(ms: number): Promise<void>;
  /** Corrupt-record reports seen so far. */
  readonly warnings: CorruptRecordError[];
}

/** Builds a fresh registry (own key prefix) per test. */
export type ContractFactory = () => Promise<ContractHarness>;

let prefixSeq = 0;
const nextPrefix = (tag: string): string => `/${tag}${++prefixSeq}/`;

/**
 * Runs `contract` against both registries: `contract(name, factory)` is
 * called once for the in-memory twin and once (inside a describe that owns
 * the etcd process) for a real etcd. `tag` keeps suites' key prefixes apart.
 */
export function forEachRegistry(tag: string, contract: (name: string, factory: ContractFactory) => void): void {
  contract('in-memory (manual clock)', async () => {
    const clock = new ManualClock(1_000_000);
    const warnings: CorruptRecordError[] = [];
    const registry = createMemoryRegistry({ clock, prefix: nextPrefix(tag), warn: (w) => warnings.push(w) });
    return { registry, warnings, advance: (ms) => clock.advance(ms) };
  });
  describeOnEtcd((etcd) => {
    contract('etcd', async () => {
      const warnings: CorruptRecordError[] = [];
      const registry = createEtcdRegistry({ endpoints: etcd().endpoints, prefix: nextPrefix(tag), warn: (w) => warnings.push(w) });
      return {
        registry,
        warnings,
        advance: async (ms) => {
          await settle();
          await new Promise((res) => setTimeout(res, ms));
        },
      };
    });
  });
}

/**
 * A describe block that owns one real etcd (started before its tests,
 * stopped by PID after them); `body` registers tests that reach it through
 * `etcd()` once they run.
 */
export function describeOnEtcd(body: (etcd: () => TestEtcd) => void): void {
  describe('against a real etcd', () => {
    let etcd: TestEtcd | undefined;
    before(async () => {
      etcd = await startEtcd();
    });
    after(async () => {
      await etcd?.stop();
    });
    body(() => etcd!);
  });
}
