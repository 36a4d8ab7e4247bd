/**
 * The Lua side of KrakenD's Lua API (krakend-lua), run once in every VM before the user's sources:
 * `ctx` (router layer), `request`, `response`, `luaTable`, `luaList`, `luaNil` and
 * `custom_error`. Data stays in JavaScript;
 * Lua holds numbered handles to it and calls the bridge (see bridge.ts) for every read and write, so a
 * script edits the very response the gateway renders, as in KrakenD.
 *
 * Chunk arguments: the bridge (a table of functions) and whether the standard libraries stay open.
 * It also defines three internal globals the host calls: `portico:begin`, `portico:snapshot` and
 * `portico:restore` (names no Lua identifier can spell).
 */
export const LUA_PRELUDE = String.raw`
local B, openLibs = ...
local setmetatable, getmetatable, type, pairs, ipairs, tostring, select, error, rawget =
  setmetatable, getmetatable, type, pairs, ipairs, tostring, select, error, rawget
local G = _G

-- JSON null, as KrakenD's luaNil: not Lua's nil, so a present-but-null key can be told apart.
local NULL = setmetatable({}, { __name = 'luaNil', __tostring = function() return 'null' end })
local TABLE, LIST, REQUEST, RESPONSE = {}, {}, {}, {}
local TableMT = { __index = TABLE, __name = 'luaTable' }
local ListMT = { __index = LIST, __name = 'luaList' }
local RequestMT = { __index = REQUEST, __name = 'request' }
local ResponseMT = { __index = RESPONSE, __name = 'response' }
local handleOf = setmetatable({}, { __mode = 'k' })

local function wrap(kind, value)
  if kind == 1 then return value end
  if kind == 2 then return NULL end
  if kind == 3 or kind == 4 then
    local object = setmetatable({}, kind == 3 and TableMT or ListMT)
    handleOf[object] = value
    return object
  end
  return nil
end

local function handle(object)
  local h = handleOf[object]
  if h == nil then error('expected a luaTable or luaList', 3) end
  return h
end

-- A Lua value as (kind, payload) for the bridge: 1 plain value, 2 null, 3 a handle; 0 is ignored
-- (nil, functions), as KrakenD ignores values it cannot convert.
local encode
local function nativeToHandle(t)
  local h = B.tnew()
  for k, v in pairs(t) do
    local kind, payload = encode(v)
    if kind ~= 0 then B.tset(h, tostring(k), kind, payload) end
  end
  return h
end
encode = function(v)
  local t = type(v)
  if t == 'string' or t == 'number' or t == 'boolean' then return 1, v end
  if v == NULL then return 2, nil end
  if t == 'table' then
    local h = handleOf[v]
    if h ~= nil then return 3, h end
    return 3, nativeToHandle(v)
  end
  return 0, nil
end

function TABLE:get(key) return wrap(B.tget(handle(self), tostring(key))) end
function TABLE:set(key, value)
  local kind, payload = encode(value)
  if kind ~= 0 then B.tset(handle(self), tostring(key), kind, payload) end
end
function TABLE:len() return B.tlen(handle(self)) end
function TABLE:del(key) B.tdel(handle(self), tostring(key)) end
function TABLE:keys() return wrap(4, B.tkeys(handle(self))) end
function TABLE:keyExists(key) return B.texists(handle(self), tostring(key)) end

function LIST:get(index) return wrap(B.lget(handle(self), index)) end
function LIST:set(index, value)
  local kind, payload = encode(value)
  if kind ~= 0 then B.lset(handle(self), index, kind, payload) end
end
function LIST:len() return B.llen(handle(self)) end
function LIST:del(index) B.ldel(handle(self), index) end

-- request/response methods: getters without arguments, setters with them (KrakenD counts arguments).
local function requestMethod(name)
  return function(self, ...)
    local n = select('#', ...)
    local a, b = ...
    if name == 'headerList' and n >= 2 then b = handle(b) end
    return wrap(B.request(name, n, a, b))
  end
end
for _, name in ipairs({ 'method', 'path', 'query', 'url', 'params', 'headers', 'headerList', 'body' }) do
  REQUEST[name] = requestMethod(name)
end
local function responseMethod(name)
  return function(self, ...)
    local n = select('#', ...)
    local a, b = ...
    if name == 'headerList' and n >= 2 then b = handle(b) end
    return wrap(B.response(name, n, a, b))
  end
end
for _, name in ipairs({ 'isComplete', 'statusCode', 'data', 'headers', 'headerList', 'body' }) do
  RESPONSE[name] = responseMethod(name)
end

local CTX = {}
local CtxMT = { __index = CTX, __name = 'ctx' }
local function ctxMethod(name)
  return function(self, ...)
    local n = select('#', ...)
    local a, b = ...
    if name == 'headerList' and n >= 2 then b = handle(b) end
    return wrap(B.ctx(name, n, a, b))
  end
end
for _, name in ipairs({ 'method', 'url', 'host', 'query', 'params', 'headers', 'headerList', 'body' }) do
  CTX[name] = ctxMethod(name)
end

local currentRequest, currentResponse, currentCtx
G.ctx = { load = function() return currentCtx end }
G.request = { load = function() return currentRequest end }
G.response = { load = function() return currentResponse end }
G.luaTable = { new = function() return wrap(3, B.tnew()) end }
G.luaList = { new = function() return wrap(4, B.lnew()) end }
G.luaNil = { new = function() return NULL end }

function G.custom_error(...)
  local n = select('#', ...)
  if n == 0 then error('need arguments', 2) end
  local message, status, contentType = ...
  error(B.customError(tostring(message), n >= 2 and status or -1, n >= 3 and tostring(contentType) or ''), 0)
end

G['portico:begin'] = function()
  currentRequest = setmetatable({}, RequestMT)
  currentResponse = setmetatable({}, ResponseMT)
  currentCtx = setmetatable({}, CtxMT)
end

-- Each request starts with the globals as the sources left them: what a script assigns to a global
-- (or removes) during one request is undone before the next one uses this VM.
local baseline = {}
G['portico:snapshot'] = function()
  baseline = {}
  for k, v in pairs(G) do baseline[k] = v end
end
G['portico:restore'] = function()
  for k in pairs(G) do
    if baseline[k] == nil then G[k] = nil end
  end
  for k, v in pairs(baseline) do
    if rawget(G, k) ~= v then G[k] = v end
  end
  currentRequest, currentResponse, currentCtx = nil, nil, nil
end

-- No file, process or debug access from scripts: those libraries could reach outside the VM.
G.io, G.debug, G.package, G.require, G.dofile, G.loadfile = nil, nil, nil, nil, nil, nil
local os = G.os
G.os = { time = os.time, clock = os.clock, date = os.date, difftime = os.difftime }
local load = G.load
-- Text chunks only: precompiled bytecode can break the VM's guarantees.
G.load = function(chunk, name, _, env) return load(chunk, name, 't', env) end

if not openLibs then
  -- KrakenD opens no standard library unless allow_open_libs is set.
  for _, name in ipairs({ 'assert', 'collectgarbage', 'error', 'getmetatable', 'ipairs', 'load', 'next', 'pairs',
      'pcall', 'print', 'rawequal', 'rawget', 'rawlen', 'rawset', 'select', 'setmetatable', 'tonumber', 'tostring',
      'type', 'xpcall', 'warn', 'coroutine', 'table', 'os', 'string', 'utf8', 'math' }) do
    G[name] = nil
  end
  getmetatable('').__index = nil
end
`;
