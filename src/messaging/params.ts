/**
 * lura stores endpoint params with the first letter upper-cased (`{route}` is `Route`), so KrakenD configs
 * name them that way (`"function_param_name": "Route"`, `"msg_id_key": "Id"`). Portico keeps the names as
 * written; a key matches the param with the same name, or the one that differs only in that first letter.
 */
export function paramValue(params: Record<string, string>, key: string): string | undefined {
  if (key === '') return undefined;
  const exact = params[key];
  if (exact !== undefined) return exact;
  const rest = key.slice(1);
  const first = key.charAt(0);
  return params[first.toLowerCase() + rest] ?? params[first.toUpperCase() + rest];
}
