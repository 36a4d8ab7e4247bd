/** Renders one template with the functions KrakenD offers (Sprig's, marshal, include), for the engine's tests. */
import { krakendFunctions } from '../../../src/config/flexible/functions.js';
import { standardFunctions, TemplateSet } from '../../../src/config/template/index.js';
import type { GoValue } from '../../../src/config/template/index.js';

export function render(template: string, data: unknown = {}, options: { env?: NodeJS.ProcessEnv; now?: number } = {}): string {
  const functions = standardFunctions({ env: options.env ?? {}, now: () => options.now ?? 1_700_000_000_000 });
  for (const [name, definition] of krakendFunctions({ partials: undefined, onMissingPartial: () => undefined })) functions.set(name, definition);
  const set = new TemplateSet(functions);
  set.add({ name: 't.tmpl', file: 't.tmpl', text: template });
  return set.execute('t.tmpl', structuredClone(data) as GoValue);
}
