// The Lua scripts of RedisStore: every change to the lease or to the registry is exactly one of
// these, so Redis runs it atomically and a fenced master can never write half a batch. Sources live
// in TypeScript (not .lua files) so the build needs no asset copying. Negative return codes are
// turned into errors in one place: scriptError() below.
import { createHash } from 'node:crypto';
import { BerthError, ErrorCode } from '../../protocol/index.js';

export interface Script {
  readonly name: string;
  readonly numberOfKeys: number;
  readonly source: string;
  /** SHA1 of the source, for EVALSHA (EVAL is the fallback after a Redis restart empties its cache). */
  readonly sha: string;
}

function script(name: string, numberOfKeys: number, source: string): Script {
  return Object.freeze({ name, numberOfKeys, source, sha: createHash('sha1').update(source).digest('hex') });
}

/** Codes below zero that the scripts return instead of writing. */
export const ScriptCode = {
  /** The caller's epoch is not the current epoch: a newer leader exists (or the caller never won). */
  FENCED: -1,
  /** A change has a type the script does not know; checked before anything is written. */
  UNKNOWN_CHANGE: -2,
  /** ARGV is not made of whole (type, id, value) triples. */
  MALFORMED_ARGS: -3,
} as const;
export type ScriptCode = (typeof ScriptCode)[keyof typeof ScriptCode];

/** The one place where a script's negative reply becomes an error. */
export function scriptError(code: number, context: { script: string; epoch?: number }): BerthError {
  switch (code) {
    case ScriptCode.FENCED:
      return new BerthError(
        ErrorCode.FENCED,
        `write under epoch ${context.epoch ?? '?'} refused: it is not the current epoch (a newer leader was elected)`,
      );
    case ScriptCode.UNKNOWN_CHANGE:
      return new BerthError(ErrorCode.INTERNAL, `${context.script}: unknown state change type; nothing was written`);
    case ScriptCode.MALFORMED_ARGS:
      return new BerthError(ErrorCode.INTERNAL, `${context.script}: arguments are not whole (type, id, value) triples`);
    default:
      return new BerthError(ErrorCode.INTERNAL, `${context.script}: unexpected reply ${code}`);
  }
}

/** Lua shared by the lease scripts: whether a presence channel has a subscriber, and which run of Redis this is. */
const PRESENCE_LUA = `local function present(channel)
  return redis.call('PUBSUB', 'NUMSUB', channel)[2] > 0
end
local function runId()
  return string.match(redis.call('INFO', 'server'), 'run_id:(%x+)')
end`;

/**
 * Takes, extends or reports the leader lease. The lease expires by Redis time (PX), which is the
 * clock of record shared by every master; the epoch key never expires, so epochs only go up.
 * A lease that names a presence channel is also vacant once that channel has had no subscriber
 * for the candidate's grace, counted by Redis time from the first campaign that saw it missing,
 * on the same Redis run (run_id) that recorded it: a restart drops every subscriber at once, and
 * the holder then resubscribes and records the new run (docs/operations.md, "Failover").
 */
export const CAMPAIGN = script('campaign', 2, `
--[[ campaign
  KEYS[1]  leader key (string, JSON {masterId, url, epoch, and presence, runId, absentSinceMs
           when set}, PX expiry)
  KEYS[2]  epoch key (integer string)
  ARGV[1]  masterId of the candidate
  ARGV[2]  url of the candidate
  ARGV[3]  lease in ms
  ARGV[4]  the candidate's presence channel, or '' for none; recorded, with this run's run_id,
           only while it has a subscriber
  ARGV[5]  grace in ms after which a holder's missing presence frees the lease, or '' for never
  Returns  {1, leaseJson}   elected: epoch incremented, lease set
           {2, leaseJson}   the candidate already held it: lease extended, epoch unchanged
           {3, leaseJson}   elected over a holder whose presence had been missing for the grace
           {0, holderJson}  held by another master: nothing written but the holder's absentSinceMs
]]
${PRESENCE_LUA}
local held = redis.call('GET', KEYS[1])
local code = 1
if held then
  local holder = cjson.decode(held)
  if holder.masterId == ARGV[1] then
    redis.call('PEXPIRE', KEYS[1], ARGV[3])
    return {2, held}
  end
  local missing = type(holder.presence) == 'string' and not present(holder.presence) and holder.runId == runId()
  if not missing then
    if holder.absentSinceMs then
      holder.absentSinceMs = nil
      redis.call('SET', KEYS[1], cjson.encode(holder), 'KEEPTTL')
    end
    return {0, held}
  end
  local time = redis.call('TIME')
  local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
  if not holder.absentSinceMs then
    holder.absentSinceMs = now
    held = cjson.encode(holder)
    redis.call('SET', KEYS[1], held, 'KEEPTTL')
    return {0, held}
  end
  if ARGV[5] == '' or now - holder.absentSinceMs < tonumber(ARGV[5]) then return {0, held} end
  code = 3
end
local epoch = redis.call('INCR', KEYS[2])
local lease = {masterId = ARGV[1], url = ARGV[2], epoch = epoch}
if ARGV[4] ~= '' and present(ARGV[4]) then
  lease.presence = ARGV[4]
  lease.runId = runId()
end
local json = cjson.encode(lease)
redis.call('SET', KEYS[1], json, 'PX', ARGV[3])
return {code, json}
`);

/**
 * Extends the lease only for the master and epoch that hold it, recording the holder's presence
 * on this Redis run when it is connected, and says whether a standby may take the lease over.
 */
export const RENEW = script('renew', 1, `
--[[ renew
  KEYS[1]  leader key
  ARGV[1]  masterId
  ARGV[2]  epoch the caller was elected with
  ARGV[3]  lease in ms
  ARGV[4]  the caller's presence channel, or '' for none; recorded, with this run's run_id (and
           the lease's absentSinceMs cleared), while it has a subscriber
  Returns  1 extended, and no standby can take it over before it ends;
           2 extended, but it names the caller's presence on this run and that has no subscriber:
             a standby may take it over after its grace;
           0 the caller does not hold the lease (expired or taken): nothing written
]]
${PRESENCE_LUA}
local held = redis.call('GET', KEYS[1])
if not held then return 0 end
local holder = cjson.decode(held)
if holder.masterId ~= ARGV[1] or holder.epoch ~= tonumber(ARGV[2]) then return 0 end
if ARGV[4] ~= '' and present(ARGV[4]) then
  local run = runId()
  if holder.presence ~= ARGV[4] or holder.runId ~= run or holder.absentSinceMs then
    holder.presence = ARGV[4]
    holder.runId = run
    holder.absentSinceMs = nil
    redis.call('SET', KEYS[1], cjson.encode(holder), 'PX', ARGV[3])
    return 1
  end
end
redis.call('PEXPIRE', KEYS[1], ARGV[3])
if type(holder.presence) == 'string' and not present(holder.presence) and holder.runId == runId() then return 2 end
return 1
`);

/** Frees the lease, but only the caller's own (a late resign must not evict a successor). */
export const RESIGN = script('resign', 1, `
--[[ resign
  KEYS[1]  leader key
  ARGV[1]  masterId
  ARGV[2]  epoch the caller was elected with
  Returns  1 freed; 0 the caller did not hold it: nothing written
]]
local held = redis.call('GET', KEYS[1])
if not held then return 0 end
local holder = cjson.decode(held)
if holder.masterId ~= ARGV[1] or holder.epoch ~= tonumber(ARGV[2]) then return 0 end
redis.call('DEL', KEYS[1])
return 1
`);

/**
 * Applies a batch of state changes under an epoch and appends each to the event stream. Everything
 * is validated before the first write because Redis does not roll a script back when it fails.
 * Records travel as JSON strings the script never decodes, so they round-trip byte for byte.
 */
export const APPLY = script('apply', 8, `
--[[ apply
  KEYS[1]  epoch key
  KEYS[2]  agents hash
  KEYS[3]  frameworks hash
  KEYS[4]  tasks hash
  KEYS[5]  events stream
  KEYS[6]  roles hash
  KEYS[7]  completed tasks hash
  KEYS[8]  statuses hash: a live task's status written since its record (KEYS[4])
  ARGV[1]  the caller's epoch
  ARGV[2]  approximate MAXLEN of the events stream
  ARGV[3..] one (type, id, value) triple per change, in order; value is the record JSON for
           '*.put' and 'task.complete' (which moves a task from KEYS[4] to KEYS[7]), the encoded
           status for 'task.status', and '' for '*.delete'. A task's put, delete or completion
           also removes its entry in KEYS[8], which its record then supersedes.
  Returns  n >= 0  the number of changes applied (each also XADDed with the epoch)
           -1      fenced: ARGV[1] is not the current epoch; nothing written
           -2      an unknown change type; nothing written
           -3      ARGV is not whole triples; nothing written
]]
local current = redis.call('GET', KEYS[1]) or '0'
if tonumber(current) ~= tonumber(ARGV[1]) then return -1 end
if (#ARGV - 2) % 3 ~= 0 then return -3 end
-- type -> {hash written, put (true) or delete (false), hashes the id is removed from first}
local targets = {
  ['agent.put'] = {KEYS[2], true}, ['agent.delete'] = {KEYS[2], false},
  ['framework.put'] = {KEYS[3], true}, ['framework.delete'] = {KEYS[3], false},
  ['task.put'] = {KEYS[4], true, {KEYS[8]}}, ['task.delete'] = {KEYS[4], false, {KEYS[8]}},
  ['task.status'] = {KEYS[8], true},
  ['role.put'] = {KEYS[6], true}, ['role.delete'] = {KEYS[6], false},
  ['task.complete'] = {KEYS[7], true, {KEYS[4], KEYS[8]}}, ['completed.delete'] = {KEYS[7], false},
}
for i = 3, #ARGV, 3 do
  if not targets[ARGV[i]] then return -2 end
end
local n = 0
for i = 3, #ARGV, 3 do
  local kind, id, value = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  local target = targets[kind]
  if target[3] then
    for _, key in ipairs(target[3]) do redis.call('HDEL', key, id) end
  end
  if target[2] then
    redis.call('HSET', target[1], id, value)
  else
    redis.call('HDEL', target[1], id)
  end
  redis.call('XADD', KEYS[5], 'MAXLEN', '~', ARGV[2], '*',
    'epoch', ARGV[1], 'type', kind, 'id', id, 'value', value)
  n = n + 1
end
return n
`);
