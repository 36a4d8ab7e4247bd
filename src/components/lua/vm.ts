/**
 * Lua VMs for one configured block. KrakenD builds a fresh Lua state for every request and loads the
 * sources into it; Portico keeps a small pool of VMs with the sources already loaded, and undoes a
 * request's global assignments before the VM serves the next one. A request holds its VM from `pre` to
 * `post`, so globals set in `pre` are still there in `post`, as in KrakenD.
 *
 * Every run is bounded in time: an instruction hook aborts a script that runs past its deadline.
 */
import type { LuaEngine } from 'wasmoon';
import { createBridge } from './bridge.js';
import type { LuaCall } from './bridge.js';
import { LUA_PRELUDE } from './prelude.js';
import { wasmoon } from './runtime.js';
import type { LuaModule } from './runtime.js';

export interface LuaScripts {
  /** Source files by path, their text read at start-up. */
  sources: { path: string; text: string }[];
  pre: string;
  post: string;
  allowOpenLibs: boolean;
}

/** A script failed: a Lua error, a timeout, or `custom_error`. */
export class LuaScriptError extends Error {}

const PRE = 'portico:pre';
const POST = 'portico:post';
const LUA_OK = 0;
/** Instructions between two deadline checks. */
const HOOK_EVERY = 1000;
const MASK_COUNT = 8;
/** VMs kept for reuse; more are created under load and closed when returned to a full pool. */
const MAX_IDLE = 32;

export class LuaVm {
  private call: LuaCall | undefined;
  private deadline = Number.POSITIVE_INFINITY;
  private readonly engine: LuaEngine;
  private readonly hook: number;

  constructor(
    private readonly module: LuaModule,
    scripts: LuaScripts,
  ) {
    const { LuaEngine } = wasmoon();
    this.engine = new LuaEngine(module, { openStandardLibs: true, enableProxy: false, injectObjects: false });
    const global = this.engine.global;
    const lua = global.lua;
    this.hook = module.module.addFunction((state: number) => {
      if (Date.now() > this.deadline) {
        lua.lua_pushstring(state, 'the Lua script ran out of time');
        lua.lua_error(state);
      }
    }, 'vii');
    try {
      this.runChunk(LUA_PRELUDE, '=portico', [createBridge(() => this.current()), scripts.allowOpenLibs]);
      for (const source of scripts.sources) this.runChunk(source.text, `@${source.path}`, []);
      this.compile(scripts.pre, PRE, '=pre-script');
      this.compile(scripts.post, POST, '=post-script');
      this.callGlobal('portico:snapshot');
      lua.lua_sethook(global.address, this.hook, MASK_COUNT, HOOK_EVERY);
    } catch (error) {
      this.close();
      throw error;
    }
  }

  /** Runs `pre` (or `post`) for `call`, within `timeoutMs`. Throws LuaScriptError when it fails. */
  run(stage: 'pre' | 'post', call: LuaCall, timeoutMs: number): void {
    this.call = call;
    this.deadline = Date.now() + timeoutMs;
    try {
      this.callGlobal(stage === 'pre' ? PRE : POST);
    } finally {
      this.deadline = Number.POSITIVE_INFINITY;
    }
  }

  begin(call: LuaCall): void {
    this.call = call;
    this.callGlobal('portico:begin');
  }

  /** Undoes the request's global assignments; the VM is ready for another request. */
  end(): void {
    try {
      this.callGlobal('portico:restore');
    } finally {
      this.call = undefined;
    }
  }

  close(): void {
    this.engine.global.close();
    this.module.module.removeFunction(this.hook);
  }

  private current(): LuaCall {
    if (!this.call) throw new Error('no request is being served');
    return this.call;
  }

  private runChunk(code: string, name: string, args: unknown[]): void {
    const global = this.engine.global;
    const lua = global.lua;
    const top = lua.lua_gettop(global.address);
    try {
      this.load(code, name);
      for (const arg of args) global.pushValue(arg);
      this.check(lua.lua_pcallk(global.address, args.length, 0, 0, 0, null));
    } finally {
      lua.lua_settop(global.address, top);
    }
  }

  /** Compiles `code` into a global function `name` (an empty script compiles to nothing). */
  private compile(code: string, name: string, chunkName: string): void {
    const global = this.engine.global;
    const lua = global.lua;
    const top = lua.lua_gettop(global.address);
    try {
      this.load(code, chunkName);
      lua.lua_setglobal(global.address, name);
    } finally {
      lua.lua_settop(global.address, top);
    }
  }

  private load(code: string, name: string): void {
    const global = this.engine.global;
    const bytes = Buffer.from(code, 'utf8');
    const lua = global.lua;
    // Through a buffer with its length: the text may hold any byte, and the chunk keeps its name.
    const pointer = lua.module._malloc(bytes.length);
    try {
      lua.module.HEAPU8.set(bytes, pointer);
      this.check(lua.luaL_loadbufferx(global.address, pointer, bytes.length, name, 't'));
    } finally {
      lua.module._free(pointer);
    }
  }

  private callGlobal(name: string): void {
    const global = this.engine.global;
    const lua = global.lua;
    const top = lua.lua_gettop(global.address);
    try {
      lua.lua_getglobal(global.address, name);
      this.check(lua.lua_pcallk(global.address, 0, 0, 0, 0, null));
    } finally {
      lua.lua_settop(global.address, top);
    }
  }

  private check(status: number): void {
    if (status === LUA_OK) return;
    throw new LuaScriptError(this.engine.global.indexToString(-1));
  }
}

/** The VMs of one configured block. */
export class LuaVmPool {
  private readonly idle: LuaVm[] = [];
  private closed = false;

  constructor(
    private readonly module: LuaModule,
    private readonly scripts: LuaScripts,
  ) {
    // Built now: a source that fails to run stops start-up instead of every request.
    this.idle.push(new LuaVm(module, scripts));
  }

  acquire(): LuaVm {
    return this.idle.pop() ?? new LuaVm(this.module, this.scripts);
  }

  /** Takes the VM back once its request is done; a VM whose globals cannot be restored is closed. */
  release(vm: LuaVm): void {
    let clean = true;
    try {
      vm.end();
    } catch {
      clean = false;
    }
    if (!clean || this.closed || this.idle.length >= MAX_IDLE) vm.close();
    else this.idle.push(vm);
  }

  close(): void {
    this.closed = true;
    for (const vm of this.idle.splice(0)) vm.close();
  }
}
