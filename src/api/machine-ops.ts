/**
 * `PATCH /machines` operations: fleet's server takes `"value": {"value": "x"}`
 * (a nested object), its documentation shows `"value": "x"`; both are
 * accepted. Every op is checked before any is applied, so a rejected patch
 * changes nothing.
 */
import { checkMachineId, checkMetadataKey, InvalidNameError } from '../registry/index.js';
import { ApiError } from './errors.js';

/** One validated metadata change. */
export type MetadataOp =
  | { readonly op: 'set'; readonly machineId: string; readonly key: string; readonly value: string }
  | { readonly op: 'remove'; readonly machineId: string; readonly key: string };

const PATH = /^\/([^/]+)\/metadata\/([A-Za-z0-9_.-]+)$/;

/**
 * Validates a parsed PATCH body (a JSON array of ops).
 * @returns the changes in request order (add and replace both become `set`).
 * @throws {ApiError} 400 with fleet's messages (`invalid op: expect add,
 *   remove, or replace`, `machine metadata path invalid`, `invalid value: add
 *   and replace require a value`) or `unable to decode body: ...` for a wrong shape.
 */
export function parseMetadataOps(body: unknown): MetadataOp[] {
  if (!Array.isArray(body)) throw new ApiError(400, 'unable to decode body: expected a JSON array of operations');
  return body.map((raw: unknown, i): MetadataOp => {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ApiError(400, `unable to decode body: operation ${i} must be an object`);
    const o = raw as Record<string, unknown>;
    const op = o['op'];
    if (op !== 'add' && op !== 'replace' && op !== 'remove') throw new ApiError(400, 'invalid op: expect add, remove, or replace');
    const m = typeof o['path'] === 'string' ? PATH.exec(o['path']) : null;
    if (m === null || !validSegments(m[1]!, m[2]!)) throw new ApiError(400, 'machine metadata path invalid');
    const machineId = m[1]!;
    const key = m[2]!;
    if (op === 'remove') return { op: 'remove', machineId, key };
    const value = opValue(o['value'], i);
    if (value === '') throw new ApiError(400, 'invalid value: add and replace require a value');
    return { op: 'set', machineId, key, value };
  });
}

/** The op's value in either accepted form; "" when absent. */
function opValue(v: unknown, i: number): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'object' && !Array.isArray(v)) {
    const inner = (v as Record<string, unknown>)['value'];
    if (inner === undefined || inner === null) return '';
    if (typeof inner === 'string') return inner;
  }
  throw new ApiError(400, `unable to decode body: operation ${i} value must be a string or {"value": string}`);
}

/** Registry key rules are a little stricter than fleet's path pattern (no leading '.', '-', '_'): refuse those paths too. */
function validSegments(machineId: string, key: string): boolean {
  try {
    checkMachineId(machineId);
    checkMetadataKey(key);
    return true;
  } catch (err) {
    if (err instanceof InvalidNameError) return false;
    throw err;
  }
}
