/**
 * Public surface of the scheduler: snapshot in, plan out.
 */
export type {
  ClusterSnapshot,
  Decision,
  MachineSnapshot,
  Plan,
  PlanWarning,
  Preemption,
  ScheduleDecision,
  UnitSnapshot,
  UnscheduleDecision,
} from './types.js';
export type { Explanation, RejectionCount } from './explain.js';
export type { Filter, FilterName, FilterResult, PreFilter, Rejection } from './filter.js';
export type { Scorer, WeightedScorer } from './scorers/scorer.js';
export type { Pipeline } from './pipeline.js';
export { planSchedule } from './planner.js';
export { preemptedReason } from './phase-preempt.js';
export { applyPlan } from './apply.js';
export { formatExplanation } from './explain.js';
export { createPipeline } from './pipeline.js';
export { DEFAULT_POLICY, InvalidPolicyError, parsePolicy, policyDocument, readPolicyDocument, STRATEGIES, type PlacementPolicy, type Strategy } from './policy.js';
