"""The dashboard's Jinja2 environment: the page and the fragments the live feed swaps in.

One macro per piece (a task card, a journal row, a task's detail, the controls) renders
it both inside the full page and alone, as the HTML fragment the page fetches or the feed
pushes, so there is a single rendering of each.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"
PARTS = "parts.html.j2"


@cache
def environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html", "j2"], default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def page(**context: Any) -> str:
    return environment().get_template("dashboard.html.j2").render(**context)


def part(name: str, *args: Any) -> str:
    """One macro of `parts.html.j2` rendered alone (`card`, `row`, `detail`, ...)."""
    macro = getattr(environment().get_template(PARTS).module, name)
    return str(macro(*args))
