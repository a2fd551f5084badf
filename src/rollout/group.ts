/** Which unit records a rollout's group is made of (pure). */
import { parseUnitName, templateOf } from '../units/index.js';

/**
 * Whether unit `name` belongs to the group `group`: the group itself (the
 * template record, or the unit) or, for a template group, one of its instances.
 */
export function inGroup(group: string, name: string): boolean {
  return name === group || templateOf(name) === group;
}

/**
 * The group whose rollout may pin `name`'s text: its template for an
 * instance (`web@1.service` -> `web@.service`), else the name itself. An
 * instance may also be rolled out on its own (group = the instance); the
 * caller checks both (template first).
 */
export function groupsOf(name: string): string[] {
  const t = templateOf(name);
  return t === undefined ? [name] : [t, name];
}

/** Whether `group` names a template (its rollout moves every instance). */
export function isTemplateGroup(group: string): boolean {
  return parseUnitName(group)?.isTemplate === true;
}
