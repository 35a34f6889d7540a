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
from mockserver.errors import ScenarioError

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


class Armed:
    """A rule as one process applies it: its budget spent so far and its random draws.

    Kept with the rule, not in a side table keyed by the rule object's address: a new rule
    must start with a full budget and a fresh seeded generator, whatever it replaced.
    """

    __slots__ = ("rng", "rule", "used")

    def __init__(self, rule: FaultRule, seed: int) -> None:
        self.rule = rule
        self.used = 0
        self.rng = random.Random(f"{seed}:{rule.name}")


class FaultSet:
    def __init__(self, rules: list[FaultRule], seed: int) -> None:
        self.seed = seed
        self._armed: list[Armed] = []
        # the built-in scenarios' state (draws for `slow`), per set like every other rule's
        self._builtin = {name: Armed(rule, seed) for name, rule in BUILTIN.items()}
        self.active = False
        for rule in rules:
            self.add(rule)

    @property
    def rules(self) -> list[FaultRule]:
        return [armed.rule for armed in self._armed]

    def add(self, rule: FaultRule) -> FaultRule:
        if rule.name is None:
            rule = rule.model_copy(update={"name": f"rule-{len(self._armed) + 1}"})
        self._armed.append(Armed(rule, self.seed))
        self.active = True
        return rule

    def remove(self, name: str) -> bool:
        before = len(self._armed)
        self._armed = [a for a in self._armed if a.rule.name != name]
        self.active = bool(self._armed)
        return len(self._armed) != before

    def clear(self, rules: list[FaultRule] | None = None) -> None:
        self._armed = []
        self._builtin = {name: Armed(rule, self.seed) for name, rule in BUILTIN.items()}
        self.active = False
        for rule in rules or []:
            self.add(rule)

    def for_request(self, path: str, model: str | None, scenario: str | None) -> list[FaultRule]:
        return self._matching(path, model, scenario, REQUEST_KINDS)

    def for_task(self, path: str, model: str | None, scenario: str | None) -> TaskFaults:
        faults = TaskFaults()
        if not self.rules and not scenario:  # nothing can match (the common case)
            return faults
        for rule in self._matching(path, model, scenario, TASK_KINDS):
            if rule.kind in ("fail", "error") and faults.outcome == "success":
                faults.outcome, faults.pexit, faults.message = rule.kind, rule.pexit, rule.message
            elif rule.kind == "stall":
                faults.stall = True
            elif rule.kind == "socket_drop":
                faults.socket_drop_after = rule.after_events
            elif rule.kind == "callback_delay":
                faults.callback_delay = rule.delay
        return faults

    def latency_ms(self, rule: FaultRule) -> float:
        rng = self._armed_for(rule).rng
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
        for armed in self._armed:
            rule = armed.rule
            if (
                rule.kind in kinds
                and self._matches(rule, path, model, scenario)
                and self._fires(armed)
            ):
                found.append(rule)
        if scenario and not any(a.rule.scenario == scenario for a in self._armed):
            builtin = self._builtin.get(scenario.strip().lower())
            if builtin is None:
                raise ScenarioError(self._unknown(scenario))
            if builtin.rule.kind in kinds and self._fires(builtin):
                found.append(builtin.rule)
        return found

    def _unknown(self, scenario: str) -> str:
        configured = sorted({a.rule.scenario for a in self._armed if a.rule.scenario})
        known = ", ".join([*configured, *BUILTIN])
        return f"x-mock-scenario: no scenario {scenario!r}; known: {known}"

    @staticmethod
    def _matches(rule: FaultRule, path: str, model: str | None, scenario: str | None) -> bool:
        if rule.scenario is not None and rule.scenario != scenario:
            return False
        if rule.route is not None and not _glob(path.lower(), rule.route):
            return False
        return rule.model is None or (model is not None and _glob(model.lower(), rule.model))

    @staticmethod
    def _fires(armed: Armed) -> bool:
        rule = armed.rule
        if rule.times is not None and armed.used >= rule.times:
            return False
        if rule.rate < 1.0 and armed.rng.random() >= rule.rate:
            return False
        armed.used += 1
        return True

    def _armed_for(self, rule: FaultRule) -> Armed:
        """The state of a rule `for_request` returned (identity: the same object came back)."""
        for armed in (*self._armed, *self._builtin.values()):
            if armed.rule is rule:
                return armed
        return Armed(rule, self.seed)  # removed meanwhile: its draws start afresh

    def snapshot(self) -> list[dict[str, object]]:
        """The rules, as a shared store keeps them (budgets and draws stay per process)."""
        return [r.model_dump() for r in self.rules]

    def restore(self, rules: list[dict[str, object]]) -> None:
        if rules != self.snapshot():
            self.clear([FaultRule.model_validate(r) for r in rules])

    def describe(self) -> list[dict[str, object]]:
        return [
            {**a.rule.model_dump(exclude_defaults=True), "name": a.rule.name,
             "kind": a.rule.kind, "used": a.used}
            for a in self._armed
        ]  # fmt: skip


def _glob(value: str, pattern: str) -> bool:
    if any(c in pattern for c in "*?["):
        return fnmatch.fnmatchcase(value, pattern)
    return pattern in value
