"""The Redis store's key layout (`Keys`) and its Lua scripts (`SCRIPTS`).

Each script is one atomic step no client-side sequence of commands could make safe with
several processes at once: creating a task with its indexes, the compare-and-set of a task
record, the journal's trim/read/clear, and the compare-and-set of the control state. They
sit together with the keys because each names the keys it touches.
"""

from __future__ import annotations

# KEYS: seq, order, due, live. ARGV: prefix, record, ttl_ms, due ("" none), live, seed.
# Numbers the task and names its token like `task_identity` (the first 30 of sha1(seed:id)).
CREATE = """
local id = redis.call('INCR', KEYS[1])
local token = string.sub(redis.sha1hex(ARGV[6] .. ':' .. id), 1, 30)
local task, index = ARGV[1] .. ':t:' .. id, ARGV[1] .. ':tok:' .. token
if ARGV[3] ~= '0' then
  redis.call('SET', task, ARGV[2], 'PX', ARGV[3])
  redis.call('SET', index, id, 'PX', ARGV[3])
else
  redis.call('SET', task, ARGV[2])
  redis.call('SET', index, id)
end
redis.call('ZADD', KEYS[2], id, id)
if ARGV[4] ~= '' then redis.call('ZADD', KEYS[3], ARGV[4], id) end
if ARGV[5] == '1' then redis.call('SADD', KEYS[4], id) end
return id
"""

# KEYS: task, token, due, live, channel. ARGV: old record, new record, id, ttl_ms, due, done.
CAS = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if ARGV[4] ~= '0' then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[4])
  redis.call('PEXPIRE', KEYS[2], ARGV[4])
else
  redis.call('SET', KEYS[1], ARGV[2])
  redis.call('PERSIST', KEYS[2])
end
if ARGV[5] ~= '' then redis.call('ZADD', KEYS[3], ARGV[5], ARGV[3])
else redis.call('ZREM', KEYS[3], ARGV[3]) end
if ARGV[6] == '1' then redis.call('SREM', KEYS[4], ARGV[3]) end
redis.call('PUBLISH', KEYS[5], ARGV[3])
return 1
"""

# The journal is a list written with plain RPUSH (no script on the hot path); an entry's id
# is its position since the start: `trimmed` (entries cut from the head) + index + 1.
# KEYS: list, trimmed. ARGV: size. Cut the head down to `size` entries (the timer calls it).
JOURNAL_TRIM = """
local extra = redis.call('LLEN', KEYS[1]) - tonumber(ARGV[1])
if extra > 0 then
  redis.call('LTRIM', KEYS[1], extra, -1)
  redis.call('INCRBY', KEYS[2], extra)
end
return extra
"""

# KEYS: list, trimmed. ARGV: first index (negative: from the end). -> {trimmed, first, entries}
JOURNAL_READ = """
local trimmed = tonumber(redis.call('GET', KEYS[2]) or '0')
local first = tonumber(ARGV[1])
if first < 0 then first = math.max(0, redis.call('LLEN', KEYS[1]) + first) end
return {trimmed, first, redis.call('LRANGE', KEYS[1], first, -1)}
"""

# KEYS: list, trimmed. Empty the journal; ids go on counting.
JOURNAL_CLEAR = """
redis.call('INCRBY', KEYS[2], redis.call('LLEN', KEYS[1]))
return redis.call('DEL', KEYS[1])
"""

# KEYS: ctl, version, channel. ARGV: blob, expected version ('' for any).
# Store a control state snapshot unless another process published one since `expected`;
# -> the new version, or 0 when it lost that race.
CONTROL = """
if ARGV[2] ~= '' and redis.call('GET', KEYS[2]) ~= ARGV[2] then return 0 end
redis.call('SET', KEYS[1], ARGV[1])
local version = redis.call('INCR', KEYS[2])
redis.call('PUBLISH', KEYS[3], 'ctl')
return version
"""

SCRIPTS = {
    "create": CREATE, "cas": CAS, "control": CONTROL, "journal_trim": JOURNAL_TRIM,
    "journal_read": JOURNAL_READ, "journal_clear": JOURNAL_CLEAR,
}  # fmt: skip


class Keys:
    """Every key of one mock, under its `store.prefix` (see the package docstring)."""

    def __init__(self, prefix: str) -> None:
        self.p = prefix
        self.seq, self.order, self.due = f"{prefix}:seq", f"{prefix}:order", f"{prefix}:due"
        self.ctl, self.ctl_version = f"{prefix}:ctl", f"{prefix}:ctl:v"
        self.events, self.control = f"{prefix}:events", f"{prefix}:control"
        self.journal, self.journal_trimmed = f"{prefix}:j", f"{prefix}:j:trimmed"
        self.file_seq = f"{prefix}:f:seq"

    def task(self, task_id: str) -> str:
        return f"{self.p}:t:{task_id}"

    def token(self, token: str) -> str:
        return f"{self.p}:tok:{token}"

    def live(self, api_key: str) -> str:
        return f"{self.p}:live:{api_key}"

    def file(self, token: str) -> str:
        return f"{self.p}:f:{token}"

    def folder(self, folder_id: str) -> str:
        return f"{self.p}:fo:{folder_id}"

    def nonce(self, api_key: str, nonce: str) -> str:
        return f"{self.p}:n:{api_key}:{nonce}"
