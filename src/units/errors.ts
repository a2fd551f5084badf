/**
 * Typed errors of the unit-file core. Each carries a stable `code` and the
 * structured fields an edge needs (the API answers 400 with `message`,
 * fleetctl prints it), so nobody has to parse message text.
 */

/** Base class of every error thrown by `src/units/`. */
export abstract class UnitError extends Error {
  /** Stable machine-readable identifier of the error kind. */
  abstract readonly code: string;
}

/**
 * The unit file text could not be parsed. `line` is the 1-based line the
 * problem was found on, or undefined for whole-file problems (size).
 */
export class UnitParseError extends UnitError {
  readonly code = 'UNIT_PARSE_ERROR';
  /** 1-based line number, or undefined when the problem is not tied to one line. */
  readonly line: number | undefined;
  /** What is wrong, without the "line N:" prefix. */
  readonly reason: string;

  constructor(reason: string, line?: number) {
    super(line === undefined ? reason : `line ${line}: ${reason}`);
    this.name = 'UnitParseError';
    this.reason = reason;
    this.line = line;
  }
}

/** A unit name breaks fleet's naming rules; `reason` is fleet's own message. */
export class InvalidUnitNameError extends UnitError {
  readonly code = 'INVALID_UNIT_NAME';
  /** The rejected name, verbatim. */
  readonly unitName: string;
  /** Fleet-compatible description of the first rule broken. */
  readonly reason: string;

  constructor(unitName: string, reason: string) {
    super(reason);
    this.name = 'InvalidUnitNameError';
    this.unitName = unitName;
    this.reason = reason;
  }
}

/**
 * A unit's options are unusable: malformed `[X-Fleet]` values, requirements
 * that contradict each other, or options that cannot be written to a unit
 * file unchanged. `problems` lists every problem found, in check order;
 * `message` joins them with "; " (a single problem reads exactly like fleet's).
 */
export class UnitValidationError extends UnitError {
  readonly code = 'INVALID_UNIT_OPTIONS';
  /** Name of the unit being validated; undefined when validated without a name. */
  readonly unitName: string | undefined;
  /** Every problem found, in order; never empty. */
  readonly problems: readonly string[];

  constructor(unitName: string | undefined, problems: readonly string[]) {
    super(problems.join('; '));
    this.name = 'UnitValidationError';
    this.unitName = unitName;
    this.problems = Object.freeze([...problems]);
  }
}
