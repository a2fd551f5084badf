import { test } from 'node:test';
import assert from 'node:assert/strict';
import { httpDate, isoTime } from '../../src/clock.js';

test('isoTime and httpDate give exactly what toISOString and toUTCString give, across the range of dates', () => {
  const cases = [0, 1, 9, 10, 99, 100, 999, 1000, -1, Date.UTC(2026, 11, 3, 9, 5, 7, 42), Date.UTC(2026, 0, 1), Date.UTC(1999, 11, 31, 23, 59, 59, 999), Date.UTC(2000, 1, 29, 12)];
  cases.push(Date.UTC(0, 0, 1) - 1, Date.UTC(0, 0, 1), Date.UTC(9999, 11, 31, 23, 59, 59, 999), Date.UTC(10000, 0, 1), 8.64e15, -8.64e15);
  let seed = 12345;
  const random = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (let i = 0; i < 2000; i++) cases.push(Math.floor((random() * 2 - 1) * 8.64e15), Math.floor(random() * 4e12));
  for (const ms of cases) {
    const d = new Date(ms);
    d.setUTCFullYear(ms < 0 ? -d.getUTCFullYear() : d.getUTCFullYear()); // negative years too
    const t = d.getTime();
    assert.equal(isoTime(t), new Date(t).toISOString(), String(t));
    assert.equal(isoTime(ms), new Date(ms).toISOString(), String(ms));
    assert.equal(httpDate(t), new Date(t).toUTCString(), String(t));
    assert.equal(httpDate(ms), new Date(ms).toUTCString(), String(ms));
  }
  assert.equal(httpDate(NaN), 'Invalid Date');
});

test('isoTime throws RangeError for what is not a valid date, as toISOString', () => {
  for (const bad of [NaN, 8.64e15 + 1, Infinity]) assert.throws(() => isoTime(bad), RangeError);
});
