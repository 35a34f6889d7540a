"""The client generator: specs -> view models -> Jinja templates -> ``generated/``.

Public entry points (wired into ``wirogen`` by :mod:`codegen.cli`):

* :func:`generate` renders and writes, rewriting only files whose bytes changed;
* :func:`check` reports how the output differs from what the specs would give;
* :func:`render_tree` renders in memory (tests, benchmarks).
"""

from __future__ import annotations

from codegen.render.commands import add_subcommands, check, generate, load_models
from codegen.render.engine import render_tree
from codegen.render.tree import Report

__all__ = ["Report", "add_subcommands", "check", "generate", "load_models", "render_tree"]
