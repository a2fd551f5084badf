/** The registry's clock is fleet's shared clock (src/clock.ts). */
export * from '../clock.js';
