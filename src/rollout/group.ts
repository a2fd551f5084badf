/** Which unit records a rollout's group is made of (pure). */
import { parseUnitName, templateOf } from '../units/index.js';

/**
 * Whether unit `name` belongs to the group `group`: the group itself (the
 * template record, or the unit) or, for a template group, one of its instances.
 */
export function inGroup(group: string, name: string): boolean {
  return name === group || templateOf(name) === group;
}

/** Whether `group` names a template (its rollout moves every instance). */
export function isTemplateGroup(group: string): boolean {
  return parseUnitName(group)?.isTemplate === true;
}
