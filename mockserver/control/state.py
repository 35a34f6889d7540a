"""The control state of a mock: its clock, fault rules and per-project limits, as one unit.

An admin changes these, and every process serving the mock must apply the change to its next
request; the one thing a store does with them is carry that change between processes. So
this component owns their serialisation (`snapshot`/`restore`, one versioned blob) and the
generation it holds (`version`), and a store persists and publishes the blob without looking
inside it. Charging a balance is a change of the limits, so it is made here too.
"""

from __future__ import annotations

import json
from typing import Any

from mockserver.config import MockConfig
from mockserver.control.faults import FaultSet
from mockserver.control.limits import Limits
from mockserver.errors import StoreFormatError
from mockserver.tasks.lifecycle import Clock

#: The blob's format; `restore` refuses any other (a mock of another version shares the store).
FORMAT = 1


class ControlState:
    """The clock, fault rules and limits one mock runs under (shared by reference: the
    engine reads this clock, the routes these faults and limits)."""

    def __init__(self, clock: Clock, faults: FaultSet, limits: Limits) -> None:
        self.clock = clock
        self.faults = faults
        self.limits = limits
        #: The generation of the shared state this process holds (None: none applied yet).
        #: A shared store counts generations; one process alone never needs to.
        self.version: int | None = None

    def snapshot(self) -> bytes:
        """The whole control state as bytes another process can `restore`."""
        data = {"v": FORMAT, "clock": self.clock.snapshot(), "faults": self.faults.snapshot(),
                "limits": self.limits.snapshot()}  # fmt: skip
        return json.dumps(data, separators=(",", ":")).encode()

    def restore(self, blob: bytes, version: int) -> None:
        """Apply a `snapshot` (of generation `version`) made by any process."""
        data: dict[str, Any] = json.loads(blob)
        if not isinstance(data, dict) or data.get("v") != FORMAT:
            found = data.get("v") if isinstance(data, dict) else "none"
            raise StoreFormatError(
                f"The shared control state has format {found}; this mock reads format "
                f"{FORMAT} (is a mock of another version using the same store prefix?)."
            )
        self.clock.restore(data["clock"])
        self.faults.restore(data["faults"])
        self.limits.restore(data["limits"])
        self.version = version

    def reset(self, config: MockConfig) -> None:
        """Back to how `config` starts the mock: its fault rules, limits and clock."""
        self.faults.clear(list(config.faults))
        self.limits.reset()
        self.clock.set(config.clock.mode, config.clock.speed)
        self.clock.reset()

    def charge(self, api_key: str, amount: float) -> bool:
        """Take `amount` off the project's balance; False when it has none to charge."""
        balance = self.limits.balances.get(api_key)
        if balance is None:
            return False
        self.limits.balances[api_key] = balance - amount
        return True
