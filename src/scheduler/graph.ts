/**
 * Small graph algorithms over unit names, used to order placement
 * (topological: leaders before followers, replacers before replaced) and to
 * find cycles that must be reported.
 */
import { MinHeap } from './heap.js';

/** Directed edges: node -> successors. Nodes missing from the map have none. */
export type Edges = ReadonlyMap<string, readonly string[]>;

/**
 * Strongly connected components with more than one node (i.e. cycles; a
 * self-loop is ignored), each sorted, the list sorted by first name.
 * Iterative Tarjan so long chains cannot overflow the stack.
 */
export function cycles(nodes: readonly string[], edges: Edges): string[][] {
  // A node on a cycle has an edge in and an edge out: without such a node (the usual graph: leaders and their followers) there is none.
  if (!hasInnerNode(edges)) return [];
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const out: string[][] = [];
  let counter = 0;
  for (const root of nodes) {
    if (index.has(root)) continue;
    const work: Array<{ node: string; next: number }> = [{ node: root, next: 0 }];
    index.set(root, counter);
    low.set(root, counter++);
    stack.push(root);
    onStack.add(root);
    while (work.length > 0) {
      const frame = work[work.length - 1]!;
      const succ = edges.get(frame.node) ?? [];
      if (frame.next < succ.length) {
        const w = succ[frame.next++]!;
        if (!index.has(w)) {
          index.set(w, counter);
          low.set(w, counter++);
          stack.push(w);
          onStack.add(w);
          work.push({ node: w, next: 0 });
        } else if (onStack.has(w)) {
          low.set(frame.node, Math.min(low.get(frame.node)!, index.get(w)!));
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low.set(parent.node, Math.min(low.get(parent.node)!, low.get(frame.node)!));
      if (low.get(frame.node) === index.get(frame.node)) {
        const component: string[] = [];
        let w: string;
        do {
          w = stack.pop()!;
          onStack.delete(w);
          component.push(w);
        } while (w !== frame.node);
        if (component.length > 1) out.push(component.sort());
      }
    }
  }
  return out.sort((a, b) => (a[0]! < b[0]! ? -1 : 1));
}

/** True when some successor has successors of its own. */
function hasInnerNode(edges: Edges): boolean {
  for (const tos of edges.values()) for (const to of tos) if ((edges.get(to)?.length ?? 0) > 0) return true;
  return false;
}

/**
 * Topological order of `sortedNodes` (which must be sorted) along `edges`,
 * breaking ties by name. Nodes on or behind a cycle are appended in name order.
 */
export function topologicalOrder(sortedNodes: readonly string[], edges: Edges): string[] {
  const rank = new Map<string, number>();
  sortedNodes.forEach((n, i) => rank.set(n, i));
  return topologicalPositions(sortedNodes.length, edges, (i) => sortedNodes[i]!, (n) => rank.get(n)).map((i) => sortedNodes[i]!);
}

/**
 * {@link topologicalOrder} as positions: the `count` nodes are `nameAt(0..count-1)`
 * (sorted) and `positionOf` finds a node's position (undefined: not a node),
 * so a caller that has positions already builds no name map.
 */
export function topologicalPositions(count: number, edges: Edges, nameAt: (i: number) => string, positionOf: (node: string) => number | undefined): number[] {
  const out: number[] = new Array<number>(count);
  if (edges.size === 0) {
    for (let i = 0; i < count; i++) out[i] = i;
    return out;
  }
  const indegree = new Int32Array(count);
  for (const [from, tos] of edges) {
    if (positionOf(from) === undefined) continue;
    for (const to of tos) {
      const r = positionOf(to);
      if (r !== undefined) indegree[r]!++;
    }
  }
  const ready = new MinHeap();
  for (let i = 0; i < count; i++) if (indegree[i] === 0) ready.push(i);
  let n = 0;
  const done = new Uint8Array(count);
  for (let i = ready.pop(); i !== undefined; i = ready.pop()) {
    out[n++] = i;
    done[i] = 1;
    const tos = edges.get(nameAt(i));
    if (tos === undefined) continue;
    for (const to of tos) {
      const r = positionOf(to);
      if (r !== undefined && --indegree[r]! === 0) ready.push(r);
    }
  }
  for (let i = 0; i < count; i++) if (done[i] === 0) out[n++] = i;
  return out;
}
