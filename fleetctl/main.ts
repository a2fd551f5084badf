#!/usr/bin/env node
import { VERSION } from '../src/version.js';

// Placeholder until the commands land.
console.log(`fleetctl version ${VERSION}`);
