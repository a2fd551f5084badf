/** Public surface of the unit-file core: parse, serialize, hash, names, [X-Fleet], validation. */
export * from './errors.js';
export * from './options.js';
export { parseUnitFile, parseUnitFileLines, MAX_LINE_BYTES, MAX_UNIT_FILE_BYTES, type ParsedUnitFile } from './parser.js';
export { serializeUnit } from './serialize.js';
export { hashUnitText, optionsHash, shortHash, isUnitHash } from './hash.js';
export * from './names.js';
export { escapeUnitNamePart, unescapeUnitNamePart } from './escape.js';
export { dependsOnInstance, expandSpecifiers, type SpecifierExpansion } from './specifiers.js';
export * from './xfleet.js';
export * from './validate.js';
export * from './unit.js';
export * from './requirements.js';
export { MAX_PRIORITY } from './priority.js';
export { globMatch, isValidGlob, isLiteralGlob } from './glob.js';
export { goQuote } from './text.js';
export * from './put-policy.js';
export * from './rollout-options.js';
