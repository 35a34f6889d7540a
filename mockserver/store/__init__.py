"""Where a running mock keeps its state, behind one interface (`base.Store`): `memory`
(this process, the default) and `redis` (several processes serving as one mock).

`store_kind` picks the class from the configuration; both are then built and used the same
way, so nothing above this package asks which one it has.

May import `control`, `tasks`, `models`, `config` and `errors`; never `http`, `api` or
`admin`.
"""

from __future__ import annotations

from mockserver.config import MockConfig
from mockserver.store.base import Store


def store_kind(config: MockConfig) -> type[Store]:
    """The store class `config` asks for: Redis when it names a URL (the redis client is
    imported only then), else memory. Its `timer` is what the mock's clock runs on."""
    if config.store.url:
        from mockserver.store.redis.store import RedisStore

        return RedisStore
    from mockserver.store.memory import MemoryStore

    return MemoryStore
