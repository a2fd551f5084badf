// Moved to src/sandbox/ (the sandbox cluster is a product tool: quick start, benchmarks).
export * from '../../src/sandbox/cluster.js';
