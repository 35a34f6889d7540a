"""Per-project limits: how many tasks may run at once, and the balance tasks are charged to.

Plain settings (a shared store copies them to every process with the rest of its control
state); the balance is charged by the store, which knows when a task finished.
"""

from __future__ import annotations

from typing import Any

from mockserver.config import Project


class Limits:
    def __init__(self, projects: list[Project]) -> None:
        self._projects = projects
        self.concurrency: dict[str, int | None] = {}
        self.balances: dict[str, float | None] = {}
        self.reset()

    def set(self, api_key: str, concurrent: int | None, balance: float | None) -> None:
        self.concurrency[api_key] = concurrent
        self.balances[api_key] = balance

    def applies(self, api_key: str) -> bool:
        """Whether a task of this project needs its slot freed and its cost charged on time."""
        return self.concurrency.get(api_key) is not None or self.balances.get(api_key) is not None

    def reset(self) -> None:
        self.concurrency.clear()
        self.balances.clear()
        for project in self._projects:
            self.set(project.api_key, project.concurrent_tasks, project.balance)

    def snapshot(self) -> dict[str, Any]:
        return {"concurrency": dict(self.concurrency), "balances": dict(self.balances)}

    def restore(self, data: dict[str, Any]) -> None:
        self.concurrency = dict(data["concurrency"])
        self.balances = dict(data["balances"])
