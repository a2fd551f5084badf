/** Backup and restore of a cluster's intent: the export format and the import plan (pure). */
export * from './export-format.js';
export * from './import-plan.js';
