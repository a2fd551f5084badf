import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  canonicalOrder, parseUnitFile, roundTripProblem, serializeUnit, UnitParseError, type UnitOption,
} from '../../../src/units/index.js';

// Fragments that exercise every branch of the grammar, glued with random
// separators; plus arbitrary strings and bytes.
const word = fc.stringMatching(/^[A-Za-z0-9_%@.*=" -]{0,12}$/);
const space = fc.constantFrom('', ' ', '  ', '\t', '\u00a0', '\u0085', '\v');
const eol = fc.constantFrom('\n', '\r\n', '\r', '');
const line = fc.oneof(
  fc.tuple(space, word, space).map(([a, s, b]) => `${a}[${s}]${b}`),
  fc.tuple(space, word, space, fc.constantFrom('=', ' = ', '=='), space, word, space).map((p) => p.join('')),
  fc.tuple(word, fc.constantFrom('\\', ' \\', '\\ ', '\\\\')).map(([w, b]) => `K=${w}${b}`),
  fc.tuple(space, fc.constantFrom('#', ';'), word, fc.constantFrom('', '\\', ' \\', '\\  ')).map((p) => p.join('')),
  fc.tuple(space, word).map(([a, w]) => `${a}${w}\\`),
  space,
  word,
  fc.constantFrom('[X-Fleet]', 'MachineMetadata=a=1 b=2', 'Conflicts="a*" "b?"', 'Global=yes', '[Service]', 'ExecStart=/bin/sh -c "echo #x"'),
  fc.string({ maxLength: 20 }),
  fc.string({ unit: 'grapheme', maxLength: 10 }),
);
const file = fc.array(fc.tuple(line, eol).map(([l, e]) => l + e), { maxLength: 30 }).map((ls) => ls.join(''));
const withSection = file.map((f) => `[S]\n${f}`);
const bytes = fc.uint8Array({ maxLength: 200 });
const mixedBytes = fc.tuple(withSection, bytes).map(([f, b]) => {
  const head = new TextEncoder().encode(f);
  const out = new Uint8Array(head.length + b.length);
  out.set(head);
  out.set(b, head.length);
  return out;
});
const input = fc.oneof(file, withSection, fc.string({ maxLength: 200 }), bytes, mixedBytes);

function parseOrTyped(x: string | Uint8Array): UnitOption[] | undefined {
  try {
    return parseUnitFile(x);
  } catch (err) {
    assert.ok(err instanceof UnitParseError, `non-UnitParseError thrown: ${String(err)}`);
    assert.ok(err.line === undefined || (Number.isInteger(err.line) && err.line >= 1));
    return undefined;
  }
}

test('fuzz: parser throws only UnitParseError; accepted input round-trips and serialization is idempotent', () => {
  let accepted = 0;
  fc.assert(
    fc.property(input, (x) => {
      const o1 = parseOrTyped(x);
      if (o1 === undefined) return;
      accepted++;
      const s1 = serializeUnit(o1);
      const o2 = parseUnitFile(s1); // must not throw
      assert.deepEqual(o2, canonicalOrder(o1));
      assert.equal(serializeUnit(o2), s1);
      assert.equal(roundTripProblem(o1), undefined);
    }),
    { numRuns: 6000, seed: 20240611 },
  );
  assert.ok(accepted > 1000, `only ${accepted} accepted inputs; the generator is too hostile`);
});

test('fuzz: arbitrary options either round-trip or are reported by roundTripProblem', () => {
  const opt = fc.record({
    section: fc.oneof(word, fc.string({ maxLength: 8 })),
    name: fc.oneof(word, fc.string({ maxLength: 8 })),
    value: fc.oneof(word, fc.string({ maxLength: 12 }), word.map((w) => `${w}\\\n x`)),
  }).map((r): UnitOption => ({ section: r.section, name: r.name, value: r.value }));
  fc.assert(
    fc.property(fc.array(opt, { maxLength: 6 }), (options) => {
      const problem = roundTripProblem(options);
      if (problem !== undefined) return;
      assert.deepEqual(parseUnitFile(serializeUnit(options)), canonicalOrder(options));
    }),
    { numRuns: 3000, seed: 7 },
  );
});
