/**
 * The planner's indexed victim search answers exactly as the definition
 * (`choosePreemption`, which weighs every candidate machine), through
 * sequences of preemptions and other changes of the placement state
 * (including over-committed machines), with its heaps used for every unit.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { choosePreemption, MachineVictims, mayPreemptAny, type PreemptionChoice } from '../../../src/scheduler/preempt.js';
import { VictimSearch } from '../../../src/scheduler/victim-search.js';
import { createPipeline } from '../../../src/scheduler/pipeline.js';
import { stateFor } from './fixtures.js';
import { scenarios } from './preempt-scenarios.js';

const RUNS = { numRuns: Number(process.env.FC_RUNS ?? 200) };

const shown = (c: PreemptionChoice | undefined) =>
  c === undefined ? 'none' : `${c.machine}: ${c.victims.map((v) => v.name).join(',')} (highest ${c.highest}, freed ${c.freed})`;

test('property: the victim search answers as choosePreemption through preemptions and moves', () => {
  let answered = 0;
  fc.assert(
    fc.property(scenarios({ machines: 8, first: 40, late: 16, rich: true }), fc.array(fc.nat(), { minLength: 5, maxLength: 40 }), fc.nat(), (snap, ops, seed) => {
      const { state, unit } = stateFor(snap);
      const pipeline = createPipeline(undefined, true);
      const names = snap.units.map((u) => u.name);
      const shielded = new Set(names.filter((_, i) => (i + seed) % 7 === 0));
      const search = new VictimSearch(state, pipeline, shielded, 0);
      state.onChange((m) => search.changed(m));
      const machines = state.machines.length;
      const late = names.filter((n) => n.includes('-late'));
      // The ops, then every late unit once more.
      for (const op of [...ops, ...late.map((_, i) => 3 * i + 1)]) {
        const u = unit(op % 3 === 0 ? names[op % names.length]! : late[op % late.length]!);
        if (op % 3 === 0) {
          // Some other change: a unit leaves its machine, or arrives somewhere (perhaps over capacity).
          const on = [...state.machinesOf(u.name)];
          if (on.length > 0) state.remove(u, on[0]!);
          else if (!u.global) state.add(u, (op >> 2) % machines);
          continue;
        }
        if (state.machinesOf(u.name).size > 0) continue;
        const want = choosePreemption(u, state, pipeline, shielded);
        const got = search.choose(u);
        assert.equal(shown(got), shown(want), u.name);
        if (got === undefined) continue;
        answered++;
        for (const v of got.victims) state.remove(v, got.machine);
        state.add(u, got.machine);
      }
    }),
    RUNS,
  );
  assert.ok(answered >= RUNS.numRuns / 2, `only ${answered} preemptions in ${RUNS.numRuns} runs`);
});

test('property: answers remembered per priority and requests equal fresh ones through changes, whichever unit of the class asks', () => {
  let compared = 0;
  let remembered = 0;
  fc.assert(
    fc.property(scenarios({ machines: 8, first: 40, late: 16, rich: true }), fc.array(fc.nat(), { minLength: 10, maxLength: 60 }), fc.nat(), (snap, ops, seed) => {
      const { state, unit } = stateFor(snap);
      const names = snap.units.map((u) => u.name);
      const shielded = new Set(names.filter((_, i) => (i + seed) % 7 === 0));
      const victims = new MachineVictims(state, shielded);
      state.onChange((m) => victims.invalidate(m));
      const keyOf = (u: ReturnType<typeof unit>) => `${u.requirements.priority ?? 0}|${u.requests.map(([n, v]) => `${n}=${v}`).join(',')}`;
      for (const op of ops) {
        const u = unit(names[op % names.length]!);
        if (op % 4 === 0) {
          // A change: the machine's answers must be weighed again.
          const on = [...state.machinesOf(u.name)];
          if (on.length > 0) state.remove(u, on[0]!);
          else if (!u.global) state.add(u, (op >> 2) % state.machines.length);
          continue;
        }
        if (!mayPreemptAny(u) || u.requirements.machineOf.length > 0) continue;
        const m = (op >> 2) % state.machines.length;
        const memo = victims.memoOf(keyOf(u));
        if (victims.knownAnswer(m, memo) !== undefined) remembered++;
        const got = victims.answerFor(u, m, memo);
        assert.equal(shown(got), shown(new MachineVictims(state, shielded).choiceOn(u, m)), `${u.name} on ${m}`);
        compared++;
      }
    }),
    RUNS,
  );
  assert.ok(compared >= RUNS.numRuns && remembered > 0, `${compared} answers compared, ${remembered} of them remembered`);
});
