// Argo CD's health check run the way Argo CD runs it: in gopher-lua (the Lua 5.1 VM Argo CD embeds,
// built from its Go module as `glua`), with the object as the global `obj` and only the libraries
// Argo CD opens (base, table, a safe os; no string library), returning a table with status and
// message. Used on the repository's testdata and on live objects of the test bed alike.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Health {
  status: string;
  message: string;
}

/** A JSON value as a Lua literal: what Argo CD's decodeValue builds (maps → tables, arrays → 1-based tables). */
function toLua(v: unknown): string {
  if (v === null || v === undefined) return 'nil';
  if (typeof v === 'boolean' || typeof v === 'number') return String(v);
  if (typeof v === 'string')
    return `"${[...Buffer.from(v, 'utf8')].map((b) => (b >= 0x20 && b < 0x7f && b !== 0x22 && b !== 0x5c ? String.fromCharCode(b) : `\\${b}`)).join('')}"`;
  if (Array.isArray(v)) return `{${v.map(toLua).join(', ')}}`;
  return `{${Object.entries(v as Record<string, unknown>)
    .filter(([, x]) => x !== null)
    .map(([k, x]) => `[${toLua(k)}] = ${toLua(x)}`)
    .join(', ')}}`;
}

const harnessOf = (obj: unknown, script: string) => `
local env = {}
for _, name in ipairs({"assert", "error", "getmetatable", "ipairs", "next", "pairs", "pcall", "print", "rawequal", "rawget",
    "rawset", "select", "setmetatable", "tonumber", "tostring", "type", "unpack", "xpcall", "_VERSION", "require", "module",
    "load", "loadstring", "loadfile", "dofile", "getfenv", "setfenv", "collectgarbage"}) do
  env[name] = _G[name]
end
env.table = table
env.os = { time = os.time, date = os.date, clock = os.clock }
env._G = env
env.obj = ${toLua(obj)}
local chunk = assert(loadfile(${toLua(script)}))
setfenv(chunk, env)
-- Argo CD does not open the string library, so string methods must fail here too.
local string_mt = getmetatable("")
local string_index = string_mt.__index
string_mt.__index = nil
local ok, hs = pcall(chunk)
string_mt.__index = string_index
if not ok then
  io.stderr:write("health.lua failed: " .. tostring(hs) .. "\\n")
  os.exit(3)
end
if type(hs) ~= "table" then
  io.stderr:write("health.lua returned a " .. type(hs) .. ", not a table\\n")
  os.exit(4)
end
io.write(tostring(hs.status), "\\n", tostring(hs.message))
`;

let work: string | undefined;

/** Runs the health check `script` on `obj` with the `glua` binary, in a sandbox with exactly the globals Argo CD provides. */
export function argoHealth(glua: string, obj: unknown, script: string): Health {
  work ??= mkdtempSync(join(tmpdir(), 'apigw-lua-'));
  const file = join(work, 'harness.lua');
  writeFileSync(file, harnessOf(obj, script));
  const r = spawnSync(glua, [file], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`glua exited ${r.status}: ${r.stderr}`);
  const nl = r.stdout.indexOf('\n');
  return { status: r.stdout.slice(0, nl), message: r.stdout.slice(nl + 1) };
}
