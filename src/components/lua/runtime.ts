/**
 * The Lua 5.4 runtime: wasmoon, the reference Lua interpreter compiled to WebAssembly. Compiling the
 * module takes ~15 ms, so it is loaded only when a config uses a Lua namespace (the components'
 * `prepare` step, awaited while the config loads); after that, VMs are created synchronously.
 */
import { createRequire } from 'node:module';
import type * as Wasmoon from 'wasmoon';

export type WasmoonApi = typeof Wasmoon;
export type LuaModule = Wasmoon.LuaWasm;

let api: WasmoonApi | undefined;
let loaded: LuaModule | undefined;
let loading: Promise<LuaModule> | undefined;

/** wasmoon ships a UMD bundle: `require` gives its named exports reliably. */
export function wasmoon(): WasmoonApi {
  api ??= createRequire(import.meta.url)('wasmoon') as WasmoonApi;
  return api;
}

export function loadLuaRuntime(): Promise<LuaModule> {
  loading ??= new (wasmoon().LuaFactory)().getLuaModule().then((module) => {
    loaded = module;
    return module;
  });
  return loading;
}

/** The runtime when it is already loaded (always, for configs read by `loadConfig`). */
export function loadedLuaRuntime(): LuaModule | undefined {
  return loaded;
}
