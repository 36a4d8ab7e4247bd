/**
 * jose, loaded on first use: every call site is already asynchronous, and importing it eagerly would cost
 * every gateway ~30 ms of start-up even when no endpoint validates or signs tokens.
 */
type Jose = typeof import('jose');

let loading: Promise<Jose> | undefined;

export function loadJose(): Promise<Jose> {
  loading ??= import('jose');
  return loading;
}
