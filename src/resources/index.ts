/** Resource quantities and amounts: parse, format, arithmetic (pure). */
export * from './quantity.js';
export * from './amounts.js';
export * from './machine.js';
