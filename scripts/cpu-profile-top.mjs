#!/usr/bin/env node
// Summarises a .cpuprofile: self time per function (top N), and total time per file.
//   node scripts/cpu-profile-top.mjs FILE [N]
import { readFileSync } from 'node:fs';

const [file, n = '30'] = process.argv.slice(2);
if (!file) {
  console.error('usage: cpu-profile-top.mjs FILE.cpuprofile [N]');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const self = new Map();
for (let i = 0; i < profile.samples.length; i++) {
  const node = byId.get(profile.samples[i]);
  const dt = (profile.timeDeltas[i] ?? 0) / 1000;
  const f = node.callFrame;
  const key = `${f.functionName || '(anonymous)'} ${f.url.replace(/^.*\/(dist|node_modules)\//, '$1/')}:${f.lineNumber + 1}`;
  self.set(key, (self.get(key) ?? 0) + dt);
}
const total = [...self.values()].reduce((a, b) => a + b, 0);
console.log(`${total.toFixed(0)} ms sampled (${(profile.endTime - profile.startTime) / 1000} ms wall)`);
for (const [k, ms] of [...self].sort((a, b) => b[1] - a[1]).slice(0, Number(n))) console.log(`${ms.toFixed(1).padStart(9)} ms  ${k}`);

// Inclusive time per function (a function counted once per sample however deep it recurses).
const parent = new Map();
for (const node of profile.nodes) for (const c of node.children ?? []) parent.set(c, node.id);
const incl = new Map();
for (let i = 0; i < profile.samples.length; i++) {
  const dt = (profile.timeDeltas[i] ?? 0) / 1000;
  const seen = new Set();
  for (let id = profile.samples[i]; id !== undefined; id = parent.get(id)) {
    const f = byId.get(id).callFrame;
    const key = `${f.functionName || '(anonymous)'} ${f.url.replace(/^.*\/(dist|node_modules)\//, '$1/')}:${f.lineNumber + 1}`;
    if (seen.has(key)) continue;
    seen.add(key);
    incl.set(key, (incl.get(key) ?? 0) + dt);
  }
}
console.log('\ninclusive:');
for (const [k, ms] of [...incl].sort((a, b) => b[1] - a[1]).slice(0, Number(n))) console.log(`${ms.toFixed(1).padStart(9)} ms  ${k}`);
