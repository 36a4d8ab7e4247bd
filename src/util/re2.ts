/**
 * re2js, loaded when something first compiles a Go (RE2) pattern: most configs have none, and a process
 * that loads it holds its source and tables for as long as it runs.
 */
import type { RE2JS } from 're2js';
import { lazyRequire } from './lazy-require.js';

const re2js = lazyRequire<{ RE2JS: typeof RE2JS }>('re2js');

export function re2(): typeof RE2JS {
  return re2js().RE2JS;
}

export type { RE2JS };
