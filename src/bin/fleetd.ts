#!/usr/bin/env node
import { VERSION } from '../version.js';

// Placeholder until the composition root lands (src/fleetd).
console.log(`fleetd version ${VERSION}`);
