#!/usr/bin/env node
/**
 * The `portico` command's entry: V8 settings that only hold when made before the code loads
 * (runtime/heap-flags.ts), then the command itself, which scripts/build-cli.ts bundles into one module
 * beside this file (main.ts and everything it imports).
 */
import { holdMemoryReducerOffSmallHeaps } from '../runtime/heap-flags.js';

holdMemoryReducerOffSmallHeaps();
// A name the compiler does not resolve: the bundle exists only after the build step.
const command = './portico-command.js';
await import(command);
