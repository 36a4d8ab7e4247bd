/**
 * KrakenD's flexible-configuration switches, read from the environment as krakend-ce's main.go does:
 * any non-empty FC_ENABLE turns it on (even "0"), the other variables may be empty.
 */
export interface FlexibleOptions {
  /** Folder of `.json` files; each becomes a value named after its file (`service.json` → `.service`). */
  settings: string | undefined;
  /** Folder that `include "file"` reads from. */
  partials: string | undefined;
  /** Folder of `.tmpl` files that `template "name.tmpl" .` can call. */
  templates: string | undefined;
  /** Where to write the rendered text; its extension picks the parser (JSON when unset). */
  out: string | undefined;
}

export function flexibleOptionsFrom(env: NodeJS.ProcessEnv): FlexibleOptions | undefined {
  if (!env['FC_ENABLE']) return undefined;
  const value = (name: string): string | undefined => (env[name] ? env[name] : undefined);
  return { settings: value('FC_SETTINGS'), partials: value('FC_PARTIALS'), templates: value('FC_TEMPLATES'), out: value('FC_OUT') };
}
