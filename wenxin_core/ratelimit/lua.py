"""The Redis backend's scripts: the steps of :mod:`wenxin_core.ratelimit.window`, run atomically.

Keys (one budget): ``log`` (sorted set: reservation id -> grant time), ``cost`` (hash: id ->
``"requests input output"``), ``used`` (hash ``r``/``i``/``o``: the log's totals), ``limit``
(hash ``r``/``i``/``o``: the limits the service reported), ``tat`` (the pacing slot), ``seq``
(numbers the observed entries). Time is the Redis server's (``TIME``), so the clocks of the
client machines never matter; every key expires after two lifetimes of inactivity.
"""

from __future__ import annotations

__all__ = ["RESERVE", "SETTLE"]

_PRELUDE = """
local log, costs, usedk, limk, tatk, seqk = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local life = tonumber(ARGV[1])
local names = {'r', 'i', 'o'}

local function num(x) if x then return tonumber(x) end return nil end
local function triple(s)
  local a, b, c = string.match(s, '(%-?%d+) (%-?%d+) (%-?%d+)')
  return {tonumber(a), tonumber(b), tonumber(c)}
end

local used = {0, 0, 0}
local u = redis.call('HMGET', usedk, 'r', 'i', 'o')
for k = 1, 3 do used[k] = num(u[k]) or 0 end
local old = redis.call('ZRANGEBYSCORE', log, '-inf', now - life)
for _, oid in ipairs(old) do
  local c = redis.call('HGET', costs, oid)
  if c then
    local v = triple(c)
    for k = 1, 3 do used[k] = used[k] - v[k] end
    redis.call('HDEL', costs, oid)
  end
end
if #old > 0 then redis.call('ZREMRANGEBYSCORE', log, '-inf', now - life) end
if redis.call('ZCARD', log) == 0 then used = {0, 0, 0} end

local conf = {tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])}
local reported = redis.call('HMGET', limk, 'r', 'i', 'o')
local function limits()
  local lim = {}
  for k = 1, 3 do
    local mine, theirs = conf[k], num(reported[k])
    if mine < 0 then mine = nil end
    if mine and theirs then lim[k] = math.min(mine, theirs) else lim[k] = mine or theirs end
  end
  return lim
end

local function save()
  redis.call('HSET', usedk, 'r', used[1], 'i', used[2], 'o', used[3])
  local ttl = math.ceil(life * 2000)
  for _, key in ipairs(KEYS) do
    if redis.call('EXISTS', key) == 1 then redis.call('PEXPIRE', key, ttl) end
  end
end

local function add(id, cost)
  redis.call('ZADD', log, now, id)
  redis.call('HSET', costs, id, cost[1] .. ' ' .. cost[2] .. ' ' .. cost[3])
  for k = 1, 3 do used[k] = used[k] + cost[k] end
end
"""

RESERVE = (
    _PRELUDE
    + """
-- ARGV: life, limits r i o (-1: none), smooth (1/0), id, cost r i o
local smooth = ARGV[5] == '1'
local id = ARGV[6]
local cost = {tonumber(ARGV[7]), tonumber(ARGV[8]), tonumber(ARGV[9])}
local lim = limits()
for k = 1, 3 do if lim[k] and cost[k] > lim[k] then cost[k] = lim[k] end end
local wait = 0
local spacing = 0
local tat = num(redis.call('GET', tatk)) or 0
if smooth and lim[1] and lim[1] > 0 then
  spacing = life / lim[1]
  wait = math.max(wait, tat - spacing - now)
end
for k = 1, 3 do
  if lim[k] then
    local need = used[k] + cost[k] - lim[k]
    if need > 0 then
      local frees = life
      local freed = 0
      local entries = redis.call('ZRANGE', log, 0, -1, 'WITHSCORES')
      for j = 1, #entries, 2 do
        local c = redis.call('HGET', costs, entries[j])
        if c then freed = freed + triple(c)[k] end
        if freed >= need then
          frees = math.max(tonumber(entries[j + 1]) + life - now, 0.001)
          break
        end
      end
      wait = math.max(wait, frees)
    end
  end
end
if wait > 0 then
  save()
  return {0, tostring(wait)}
end
add(id, cost)
if spacing > 0 then redis.call('SET', tatk, tostring(math.max(tat, now) + spacing)) end
save()
return {1, '0'}
"""
)
"""Reserve: ``{1, "0"}`` when granted, else ``{0, "<seconds to wait>"}``."""

SETTLE = (
    _PRELUDE
    + """
-- ARGV: life, limits r i o, id, used r i o, reported limit r i o, remaining r i o (-1: none)
local id = ARGV[5]
local function arg(n) local v = tonumber(ARGV[n]) if v < 0 then return nil end return v end
local c = redis.call('HGET', costs, id)
if c then
  local cost = triple(c)
  for k = 1, 3 do
    local v = arg(5 + k)
    if v then used[k] = used[k] + v - cost[k]; cost[k] = v end
  end
  redis.call('HSET', costs, id, cost[1] .. ' ' .. cost[2] .. ' ' .. cost[3])
end
local fields = {}
for k = 1, 3 do
  local v = arg(8 + k)
  if v then
    table.insert(fields, names[k]); table.insert(fields, v)
    reported[k] = tostring(v)
  end
end
if #fields > 0 then redis.call('HSET', limk, unpack(fields)) end
local lim = limits()
local extra = {0, 0, 0}
local any = false
for k = 1, 3 do
  local left = arg(11 + k)
  local l = arg(8 + k) or lim[k]
  if left and l then
    extra[k] = math.max(0, l - left - used[k])
    if extra[k] > 0 then any = true end
  end
end
if any then add('observed-' .. redis.call('INCR', seqk), extra) end
save()
return 1
"""
)
"""Settle a reservation and adopt the service's figures."""
