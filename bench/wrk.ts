/**
 * Load from Debian's `wrk` (one thread, C and LuaJIT: lighter on a shared machine than a
 * generator in Node): a Lua script builds each request, a batch of events with fresh ids, and
 * with `rate` holds a fixed offered rate of requests a second.
 */
import { spawnSync } from 'node:child_process';

export interface WrkScriptOptions {
  /** Events per request. */
  batch: number;
  /** Requests a second offered; none: as fast as the connections allow. */
  rate?: number;
  /** The accounts events name: `format` (a Lua format of one number) of 1 + (i mod count), or of i mod count when `from` is 0. */
  accounts?: { format: string; count: number; from: 0 | 1 };
  /** The events' timestamp (ISO 8601). */
  timestamp?: string;
}

/**
 * A Lua script for wrk. With a rate, each request waits for its slot (one every 1/rate s, in
 * the order connections ask) read from the monotonic clock through LuaJIT's FFI; a slot missed
 * is not made up later, so a server that falls behind shows as fewer requests than offered.
 */
export function wrkScript(key: string, opts: WrkScriptOptions): string {
  const accounts = opts.accounts ?? { format: 'acct-%d', count: 5000, from: 0 };
  const pace = opts.rate
    ? `
local ffi = require("ffi")
ffi.cdef[[ typedef struct { long tv_sec; long tv_nsec; } cairn_timespec; int clock_gettime(int clk, cairn_timespec *ts); ]]
local ts = ffi.new("cairn_timespec")
local function now_ms() ffi.C.clock_gettime(1, ts); return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6 end
local interval = 1000 / ${opts.rate}
local slot = nil
delay = function()
  local t = now_ms()
  if slot == nil or slot < t then slot = t end
  local wait = slot - t
  slot = slot + interval
  return math.floor(wait)
end`
    : '';
  return `
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer ${key}"
local counter = 1
function setup(thread) thread:set("tid", counter); counter = counter + 1 end
local ev = '{"message_id":"%s-%d","timestamp":"${opts.timestamp ?? '2026-11-20T10:00:00Z'}","account_id":"${accounts.format}","user_id":"u-%d","action":"closed","object":"conversation","place":"inbox","metadata":{"conversation_id":"c-%s-%d","state":"resolved"}}'
local n = 0
local parts = {}
request = function()
  n = n + 1
  local p = tid .. "-" .. n .. "-" .. math.random(1, 1e9)
  for k = 1, ${opts.batch} do
    local i = n * ${opts.batch} + k
    parts[k] = string.format(ev, p, k, ${accounts.from} + i % ${accounts.count}, i % 20000, p, k)
  end
  return wrk.format(nil, nil, nil, "[" .. table.concat(parts, ",") .. "]")
end
${pace}
local told = false
response = function(status, headers, body)
  if status ~= 200 and not told then told = true; io.stderr:write("first failure: " .. status .. " " .. body .. "\\n") end
end
`;
}

export interface WrkResult {
  requestsPerSecond: number;
  p50: string;
  p99: string;
  non2xx: number;
  errors: string;
}

/** Runs wrk with one thread against `url` and reads its summary. */
export function runWrk(url: string, script: string, seconds: number, connections: number): WrkResult {
  const out = spawnSync('wrk', ['-t', '1', '-c', String(connections), '-d', `${seconds}s`, '--latency', '-s', script, url], { encoding: 'utf8' });
  if (out.status !== 0) throw new Error(`wrk failed: ${out.stderr}`);
  if (/\.lua:\d+:/.test(out.stderr)) throw new Error(`wrk could not run the request script:\n${out.stderr}`);
  if (out.stderr) process.stderr.write(out.stderr);
  const text = out.stdout;
  const grab = (re: RegExp) => re.exec(text)?.[1] ?? '?';
  return {
    requestsPerSecond: Number(grab(/Requests\/sec:\s+([\d.]+)/)),
    p50: grab(/^\s+50%\s+(\S+)/m),
    p99: grab(/^\s+99%\s+(\S+)/m),
    non2xx: Number(grab(/Non-2xx or 3xx responses:\s+(\d+)/).replace('?', '0')),
    errors: grab(/Socket errors:\s+(.*)/).replace('?', 'none'),
  };
}

/** Fails with how to install wrk when it is missing. */
export function needWrk(): void {
  if (spawnSync('wrk', ['--version']).error) throw new Error('wrk is not installed: apt-get install -y wrk');
}
