"""The client generator: specs -> view models -> Jinja templates -> ``generated/``.

Public entry points (wired into ``wirogen`` by :mod:`codegen.cli`):

* :func:`generate` renders and writes, rewriting only files whose bytes changed;
* :func:`check` reports how the output differs from what the specs would give;
* :func:`codegen.render.engine.render_tree` renders in memory (tests, benchmarks).

Nothing heavy is imported here: a run with nothing to do needs neither Jinja nor the
parser (see :mod:`codegen.render.stamp`).
"""

from __future__ import annotations

from codegen.render.commands import add_subcommands, check, generate, load_models
from codegen.render.tree import Report

__all__ = ["Report", "add_subcommands", "check", "generate", "load_models"]
