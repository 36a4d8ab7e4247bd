/** The functions KrakenD adds to Sprig's: `marshal` and `include` (krakend-flexibleconfig's template.go). */
import { readFileSync } from 'node:fs';
import { posix } from 'node:path';
import { fn, goJson } from '../template/index.js';
import type { GoValue, TemplateFunction } from '../template/index.js';

export interface KrakendFunctionContext {
  partials: string | undefined;
  /** Called when `include` names a file that cannot be read: KrakenD inserts nothing and says nothing. */
  onMissingPartial(name: string, reason: string): void;
}

export function krakendFunctions(context: KrakendFunctionContext): [string, TemplateFunction][] {
  return [
    // json.Marshal with its error dropped: a value JSON cannot hold renders as nothing.
    [
      'marshal',
      fn(['any'], (value: GoValue) => {
        try {
          return goJson(value, { indent: '', escapeHtml: true });
        } catch {
          return '';
        }
      }),
    ],
    [
      'include',
      fn(['any'], (name: GoValue) => {
        // KrakenD asserts the argument is a string: anything else panics inside the call.
        if (typeof name !== 'string') throw new Error(`interface conversion: interface {} is ${name === null || name === undefined ? 'nil' : typeof name}, not string`);
        const file = posix.join(context.partials ?? '', name);
        try {
          return readFileSync(file, 'utf8');
        } catch (error) {
          context.onMissingPartial(file, (error as NodeJS.ErrnoException).code ?? (error as Error).message);
          return '';
        }
      }),
    ],
  ];
}
