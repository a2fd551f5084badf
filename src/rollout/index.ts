/**
 * Rollouts (pure): the record, its settings, the decision to create one,
 * the operator's controls, the engine's step, and which text each target
 * runs while one is in progress.
 */
export * from './types.js';
export * from './errors.js';
export * from './settings.js';
export * from './group.js';
export * from './create.js';
export * from './control.js';
export * from './summary.js';
export * from './health.js';
export * from './step.js';
export * from './pins.js';
