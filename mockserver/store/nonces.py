"""The nonces a store remembers, so a replayed signed request can be refused (`--strict-nonce`)."""

from __future__ import annotations

from collections import OrderedDict


class NonceMemory:
    """The most recent `size` accepted `(api_key, nonce)` pairs (oldest forgotten first)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._seen: OrderedDict[tuple[str, str], None] = OrderedDict()

    def use(self, api_key: str, nonce: str) -> bool:
        """Record the pair; False if it was already recorded (a replay)."""
        pair = (api_key, nonce)
        if pair in self._seen:
            return False
        self._seen[pair] = None
        if len(self._seen) > self.size:
            self._seen.popitem(last=False)
        return True

    def clear(self) -> None:
        self._seen.clear()

    def __len__(self) -> int:
        return len(self._seen)
