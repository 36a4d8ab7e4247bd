#!/usr/bin/env node
/**
 * The `portico` command's entry: V8 settings that only hold when made before the code loads
 * (runtime/heap-flags.ts) and glibc's malloc thresholds (runtime/malloc-thresholds.ts), then the
 * command itself, which scripts/build-cli.ts bundles into one CommonJS script beside this file
 * (main.ts and everything it imports).
 */
import { createRequire } from 'node:module';
import { holdMemoryReducerOffSmallHeaps } from '../runtime/heap-flags.js';
import { raiseMallocThresholds } from '../runtime/malloc-thresholds.js';

holdMemoryReducerOffSmallHeaps();
raiseMallocThresholds();
createRequire(import.meta.url)('./portico-command.cjs');
