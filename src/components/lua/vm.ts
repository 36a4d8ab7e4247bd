/**
 * Lua VMs for one configured block. KrakenD builds a fresh Lua state for every request and loads the
 * sources into it; Portico keeps a small pool of VMs with the sources already loaded, and undoes a
 * request's global assignments before the VM serves the next one. A request holds its VM from `pre` to
 * `post`, so globals set in `pre` are still there in `post`, as in KrakenD.
 *
 * A script shares its worker's event loop with every other request, so each run is bounded three ways:
 * - time: an instruction hook (every `HOOK_EVERY` instructions) aborts a script past its deadline;
 * - turns: the script runs as a coroutine, and the hook yields it back to the event loop every
 *   `SLICE_MS` (all scripts together at most `TURN_MS` a turn); it resumes on a later turn. The hook
 *   runs every `HOOK_EVERY` instructions and at every call, so a short loop around an expensive C
 *   function is caught at its next call. Where Lua cannot yield (inside a C function that called
 *   back into Lua, such as a `table.sort` comparator, or in the script's own coroutine), a stretch
 *   longer than `UNPAUSABLE_MS` aborts the script instead;
 * - memory: each Lua state may hold `LUA_MEMORY_LIMIT` bytes; an allocation beyond fails inside Lua
 *   ("not enough memory") before the WebAssembly heap grows, so `string.rep('x', 1e9)` costs nothing.
 * A VM that hit a limit, or holds much memory, is closed instead of pooled, so its memory is freed.
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

/** A script hit one of the limits above; its VM is not reused. */
export class LuaLimitError extends LuaScriptError {}

const PRE = 'portico:pre';
const POST = 'portico:post';
const LUA_OK = 0;
const LUA_YIELD = 1;
const LUA_ERRMEM = 4;
/** Instructions between two checks of the clock (about 10–50 µs of Lua). */
const HOOK_EVERY = 1000;
/** Count events, and calls: a loop of few instructions around an expensive C function is seen too. */
const HOOK_MASK = 8 | 1;
const HOOK_CALL = 0;
/** The longest a script runs before giving the event loop a turn. */
export const SLICE_MS = 2;
/** The longest all scripts together run in one turn of the event loop. */
export const TURN_MS = 4;
/** The longest a script may run where it cannot yield before it is aborted. */
export const UNPAUSABLE_MS = 50;
/**
 * Bytes one Lua state may allocate (the prelude and sources included, about 150 KiB). It also bounds the
 * longest single C operation, which no hook can interrupt: a concatenation copies at most half of it into
 * fresh pages. Measured: the first 16 MiB copy into untouched WebAssembly heap took 45 ms here and over
 * 100 ms on a slower machine (page faults, not the copy), hence 16 MiB and not 32.
 */
export const LUA_MEMORY_LIMIT = 16 * 1024 * 1024;
/** Allocations from this size up check the slice clock. */
const LARGE_ALLOCATION = 64 * 1024;
/** A VM still holding more than this after its request is closed rather than kept idle. */
const IDLE_MEMORY_LIMIT = 8 * 1024 * 1024;
/** VMs kept for reuse; more are created under load and closed when returned to a full pool. */
const MAX_IDLE = 32;

/**
 * Scripts that yielded resume together on the next turn of the event loop, sharing `TURN_MS`: however
 * many run at once, other requests get the loop back after about that long.
 */
let waiting: (() => void)[] = [];
let turnEnd = 0;

function nextTurn(): Promise<void> {
  return new Promise((resolve) => {
    if (waiting.length === 0) setImmediate(startTurn);
    waiting.push(resolve);
  });
}

function rest(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function startTurn(): void {
  turnEnd = performance.now() + TURN_MS;
  const resumed = waiting;
  waiting = [];
  for (const resume of resumed) resume();
}

export class LuaVm {
  private call: LuaCall | undefined;
  private deadline = Number.POSITIVE_INFINITY;
  /** When the running slice should yield; infinite outside `run`. */
  private sliceEnd = Number.POSITIVE_INFINITY;
  /** The coroutine running the current stage (0 outside `run`): the only state the hook yields. */
  private thread = 0;
  private yieldedBySlice = false;
  /** Set once a run hit a limit: the VM is closed when its request ends. */
  spent = false;
  private readonly engine: LuaEngine;
  private readonly hook: number;
  private readonly allocator: number;
  private readonly resultCount: number;
  /** Bytes the Lua state holds (counted from when this VM's allocator took over, right after creation). */
  private used = 0;

  constructor(
    private readonly module: LuaModule,
    scripts: LuaScripts,
  ) {
    const { LuaEngine } = wasmoon();
    this.engine = new LuaEngine(module, { openStandardLibs: true, enableProxy: false, injectObjects: false });
    const global = this.engine.global;
    const lua = global.lua;
    this.resultCount = module.module._malloc(4);
    this.hook = module.module.addFunction((state: number, debug: number) => this.onHook(state, debug), 'vii');
    // Same malloc as Lua's default allocator, so blocks allocated before the switch are freed alike.
    this.allocator = module.module.addFunction((_ud: number, pointer: number, oldSize: number, newSize: number) => this.allocate(pointer, oldSize, newSize), 'iiiii');
    lua.lua_setallocf(global.address, this.allocator, null);
    try {
      this.runChunk(LUA_PRELUDE, '=portico', [createBridge(() => this.current()), scripts.allowOpenLibs]);
      for (const source of scripts.sources) this.runChunk(source.text, `@${source.path}`, []);
      this.compile(scripts.pre, PRE, '=pre-script');
      this.compile(scripts.post, POST, '=post-script');
      this.callGlobal('portico:snapshot');
      lua.lua_sethook(global.address, this.hook, HOOK_MASK, HOOK_EVERY);
    } catch (error) {
      this.close();
      throw error;
    }
  }

  /** Bytes the Lua state holds now. */
  get memoryUsed(): number {
    return this.used;
  }

  /**
   * Lua's allocator: refuses to grow past `LUA_MEMORY_LIMIT` (Lua then raises "not enough memory"), and
   * after a large allocation late in a slice asks the hook to run at the next instruction, so a loop of
   * few instructions around large copies (`s = s .. s`) still yields on time.
   */
  private allocate(pointer: number, oldSize: number, newSize: number): number {
    const memory = this.module.module;
    if (newSize === 0) {
      if (pointer !== 0) {
        this.used = Math.max(0, this.used - oldSize);
        memory._free(pointer);
      }
      return 0;
    }
    // Without a block, `oldSize` is the kind of object being created, not a size.
    const growth = pointer !== 0 ? newSize - oldSize : newSize;
    if (growth > 0 && this.used + growth > LUA_MEMORY_LIMIT) return 0;
    const moved = memory._realloc(pointer, newSize);
    if (moved === 0) return 0;
    this.used += growth;
    if (growth >= LARGE_ALLOCATION && this.thread !== 0 && performance.now() > this.sliceEnd) {
      this.engine.global.lua.lua_sethook(this.thread, this.hook, HOOK_MASK, 1);
    }
    return moved;
  }

  /** Whether the pool may keep this VM for another request. */
  get reusable(): boolean {
    return !this.spent && this.memoryUsed <= IDLE_MEMORY_LIMIT;
  }

  private onHook(state: number, debug: number): void {
    const now = performance.now();
    if (now > this.deadline) this.abort(state, 'the Lua script ran out of time');
    if (now < this.sliceEnd) return;
    const lua = this.engine.global.lua;
    if (state === this.thread) {
      // `lua_Debug.event` is its first field. Only count events may yield (Lua's rule): at a call,
      // ask for one at the next instruction.
      if (this.module.module.getValue(debug, 'i32') === HOOK_CALL) {
        lua.lua_sethook(state, this.hook, HOOK_MASK, 1);
        return;
      }
      if (lua.lua_isyieldable(state) !== 0) {
        // A yield from a hook carries no values; `run` resumes the coroutine on a later turn.
        this.yieldedBySlice = true;
        lua.lua_yieldk(state, 0, 0, null);
        return;
      }
    }
    if (now > this.sliceEnd + UNPAUSABLE_MS) this.abort(state, `the Lua script ran ${UNPAUSABLE_MS} ms where it cannot pause (inside a C function such as table.sort or string.gsub, or its own coroutine)`);
  }

  private abort(state: number, message: string): void {
    this.spent = true;
    const lua = this.engine.global.lua;
    lua.lua_pushstring(state, message);
    lua.lua_error(state);
  }

  /**
   * Runs `pre` (or `post`) for `call`, within `timeoutMs`, as a coroutine that gives the event loop a
   * turn every `SLICE_MS`. Rejects with LuaScriptError when the script fails (LuaLimitError for a limit).
   */
  async run(stage: 'pre' | 'post', call: LuaCall, timeoutMs: number): Promise<void> {
    const global = this.engine.global;
    const lua = global.lua;
    const main = global.address;
    const top = lua.lua_gettop(main);
    this.call = call;
    this.deadline = performance.now() + timeoutMs;
    try {
      // Kept on the main stack while it runs, so Lua's collector leaves it alone.
      this.thread = lua.lua_newthread(main);
      lua.lua_getglobal(this.thread, stage === 'pre' ? PRE : POST);
      for (let first = true; ; first = false) {
        this.yieldedBySlice = false;
        const now = performance.now();
        this.sliceEnd = first ? now + SLICE_MS : Math.max(Math.min(now + SLICE_MS, turnEnd), now);
        lua.lua_sethook(this.thread, this.hook, HOOK_MASK, HOOK_EVERY);
        const status = lua.lua_resume(this.thread, main, 0, this.resultCount);
        this.sliceEnd = Number.POSITIVE_INFINITY;
        if (status === LUA_OK) return;
        if (status !== LUA_YIELD) throw this.failure(this.thread, status);
        if (!this.yieldedBySlice) throw new LuaScriptError('attempt to yield from outside a coroutine');
        // A slice stretched by one long C operation (a large copy) is paid back with as long a rest,
        // so such a script gets at most about half of the event loop.
        const ran = performance.now() - now;
        if (ran > 2 * SLICE_MS) await rest(ran);
        else await nextTurn();
        if (performance.now() > this.deadline) {
          this.spent = true;
          throw new LuaLimitError('the Lua script ran out of time');
        }
      }
    } finally {
      this.thread = 0;
      this.deadline = Number.POSITIVE_INFINITY;
      this.sliceEnd = Number.POSITIVE_INFINITY;
      lua.lua_settop(main, top);
    }
  }

  private failure(state: number, status: number): LuaScriptError {
    if (status === LUA_ERRMEM) {
      this.spent = true;
      return new LuaLimitError(`the Lua script ran out of memory (limit ${LUA_MEMORY_LIMIT / 1024 / 1024} MiB)`);
    }
    const message = this.engine.global.stateToThread(state).indexToString(-1);
    return this.spent ? new LuaLimitError(message) : new LuaScriptError(message);
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
    this.module.module.removeFunction(this.allocator);
    this.module.module.removeFunction(this.hook);
    this.module.module._free(this.resultCount);
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
    if (!clean || this.closed || this.idle.length >= MAX_IDLE || !vm.reusable) vm.close();
    else this.idle.push(vm);
  }

  close(): void {
    this.closed = true;
    for (const vm of this.idle.splice(0)) vm.close();
  }
}
