"""Fault injection: rules that make requests slow or fail, and tasks fail, stall or drop.

Rules come from the config file and the admin API; each matches on model, route and the
`x-mock-scenario` request header, fires with a seeded probability (same seed, same request
order -> same faults) and may have a budget (`times`). Request-level kinds (latency, http,
drop) act in the HTTP middleware; task-level kinds (fail, error, stall, socket_drop,
callback_delay) are decided once, when Run creates the task.

Without any rule, a request can still ask for a scenario by name: `x-mock-scenario: fail`
(or error, stall, socket_drop, 429, 500, 503, drop, slow) — the built-in rules below.
"""

from __future__ import annotations

import fnmatch
import random
from dataclasses import dataclass

from mockserver.config import FaultRule

REQUEST_KINDS = frozenset({"latency", "http", "drop"})
TASK_KINDS = frozenset({"fail", "error", "stall", "socket_drop", "callback_delay"})

BUILTIN: dict[str, FaultRule] = {
    "fail": FaultRule(name="builtin:fail", kind="fail"),
    "error": FaultRule(name="builtin:error", kind="error"),
    "stall": FaultRule(name="builtin:stall", kind="stall"),
    "socket_drop": FaultRule(name="builtin:socket_drop", kind="socket_drop", after_events=3),
    "socket-drop": FaultRule(name="builtin:socket_drop", kind="socket_drop", after_events=3),
    "429": FaultRule(name="builtin:429", kind="http", status=429, retry_after=1),
    "500": FaultRule(name="builtin:500", kind="http", status=500),
    "503": FaultRule(name="builtin:503", kind="http", status=503, retry_after=1),
    "drop": FaultRule(name="builtin:drop", kind="drop"),
    "slow": FaultRule(name="builtin:slow", kind="latency", latency_ms=200),
}


@dataclass(slots=True)
class TaskFaults:
    """What fault rules decided for one new task."""

    outcome: str = "success"
    pexit: str = "1"
    message: str | None = None
    stall: bool = False
    socket_drop_after: int | None = None
    callback_delay: float = 0.0
    names: tuple[str, ...] = ()


class FaultSet:
    def __init__(self, rules: list[FaultRule], seed: int) -> None:
        self.seed = seed
        self.rules: list[FaultRule] = []
        self._rng: dict[int, random.Random] = {}
        self._used: dict[int, int] = {}
        for rule in rules:
            self.add(rule)
        self.active = bool(self.rules)

    def add(self, rule: FaultRule) -> FaultRule:
        if rule.name is None:
            rule = rule.model_copy(update={"name": f"rule-{len(self.rules) + 1}"})
        self.rules.append(rule)
        self.active = True
        return rule

    def remove(self, name: str) -> bool:
        before = len(self.rules)
        self.rules = [r for r in self.rules if r.name != name]
        self.active = bool(self.rules)
        return len(self.rules) != before

    def clear(self, rules: list[FaultRule] | None = None) -> None:
        self.rules, self._rng, self._used = [], {}, {}
        for rule in rules or []:
            self.add(rule)
        self.active = bool(self.rules)

    def for_request(self, path: str, model: str | None, scenario: str | None) -> list[FaultRule]:
        return self._matching(path, model, scenario, REQUEST_KINDS)

    def for_task(self, path: str, model: str | None, scenario: str | None) -> TaskFaults:
        faults = TaskFaults()
        if not self.rules and not scenario:  # nothing can match (the common case)
            return faults
        names = []
        for rule in self._matching(path, model, scenario, TASK_KINDS):
            names.append(rule.name or rule.kind)
            if rule.kind in ("fail", "error") and faults.outcome == "success":
                faults.outcome, faults.pexit, faults.message = rule.kind, rule.pexit, rule.message
            elif rule.kind == "stall":
                faults.stall = True
            elif rule.kind == "socket_drop":
                faults.socket_drop_after = rule.after_events
            elif rule.kind == "callback_delay":
                faults.callback_delay = rule.delay
        faults.names = tuple(names)
        return faults

    def latency_ms(self, rule: FaultRule) -> float:
        rng = self._rng_for(rule)
        base, spread = rule.latency_ms, rule.jitter_ms
        if rule.distribution == "uniform":
            value = rng.uniform(base - spread, base + spread)
        elif rule.distribution == "normal":
            value = rng.gauss(base, spread)
        elif rule.distribution == "exponential":
            value = rng.expovariate(1 / base) if base > 0 else 0.0
        else:
            value = base
        return max(0.0, value)

    def _matching(
        self, path: str, model: str | None, scenario: str | None, kinds: frozenset[str]
    ) -> list[FaultRule]:
        """The rules of `kinds` that match and fire. Rules of other kinds are not drawn for, so
        a request never uses up a task rule's `times` budget or random draws (nor Run an HTTP
        rule's twice)."""
        found = []
        for rule in self.rules:
            if (
                rule.kind in kinds
                and self._matches(rule, path, model, scenario)
                and self._fires(rule)
            ):
                found.append(rule)
        if scenario and not any(r.scenario == scenario for r in self.rules):
            builtin = BUILTIN.get(scenario.strip().lower())
            if builtin is not None and builtin.kind in kinds:
                found.append(builtin)
        return found

    @staticmethod
    def _matches(rule: FaultRule, path: str, model: str | None, scenario: str | None) -> bool:
        if rule.scenario is not None and rule.scenario != scenario:
            return False
        if rule.route is not None and not _glob(path.lower(), rule.route):
            return False
        return rule.model is None or (model is not None and _glob(model.lower(), rule.model))

    def _fires(self, rule: FaultRule) -> bool:
        key = id(rule)
        if rule.times is not None and self._used.get(key, 0) >= rule.times:
            return False
        if rule.rate < 1.0 and self._rng_for(rule).random() >= rule.rate:
            return False
        self._used[key] = self._used.get(key, 0) + 1
        return True

    def _rng_for(self, rule: FaultRule) -> random.Random:
        key = id(rule)
        rng = self._rng.get(key)
        if rng is None:
            rng = self._rng[key] = random.Random(f"{self.seed}:{rule.name}")
        return rng

    def snapshot(self) -> list[dict[str, object]]:
        """The rules, as a shared store keeps them (budgets and draws stay per process)."""
        return [r.model_dump() for r in self.rules]

    def restore(self, rules: list[dict[str, object]]) -> None:
        if rules != self.snapshot():
            self.clear([FaultRule.model_validate(r) for r in rules])

    def describe(self) -> list[dict[str, object]]:
        return [
            {**r.model_dump(exclude_defaults=True), "name": r.name, "kind": r.kind,
             "used": self._used.get(id(r), 0)}
            for r in self.rules
        ]  # fmt: skip


def _glob(value: str, pattern: str) -> bool:
    if any(c in pattern for c in "*?["):
        return fnmatch.fnmatchcase(value, pattern)
    return pattern in value
