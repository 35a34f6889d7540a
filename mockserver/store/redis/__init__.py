"""The mock's state in Redis: several processes (workers, hosts) serve as one mock.

What lives where (every key under `store.prefix`, default `wiro-mock`; `scripts.Keys`):

- `t:{id}` a task record (`codec`, versioned), `tok:{token}` its id, `order` (zset)
  creation order, `due` (zset) tracked tasks by next due time, `live:{api_key}` live tasks
  of projects with limits. A finished task expires after `store.ttl`; a live one never does.
- `ctl` + `ctl:v`: the control state (`ControlState`'s blob: clock, fault rules, limits) and
  its version; every request first checks the version (one batched GET) so an admin change
  made through one process applies to the next request any process serves.
- `j` + `j:trimmed`: the journal (`journal`); `f:{token}` / `fo:{id}`: uploaded files and
  folders (`files`).

The parts: `scripts` (keys and Lua), `batcher` (one pipeline per event-loop turn), `codec`
(task records), `store` (`RedisStore`), `journal`, `files`. Only `mockserver.store.open_store`
imports this package, so the memory store never needs the redis client loaded.

Redis unreachable (restarting, say) is a `StoreUnavailableError`: a Wiro-shaped 503 with
Retry-After, never a 500; what was acknowledged before is in Redis (run it with AOF).
"""
