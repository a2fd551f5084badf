/** Which answers of the API's explain resource (`src/api/explain.ts`) say why a unit is not where it should be. */

/** Explanation statuses worth showing while a unit does not reach its state. */
export const EXPLAINED: ReadonlySet<string> = new Set(['unschedulable', 'invalid', 'pending']);
