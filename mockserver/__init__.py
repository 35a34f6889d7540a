"""wiro-mock: an offline emulation of the Wiro API, driven by the models in `specs/`.

`create_app(specs=..., config=...)` returns the ASGI app; `wiro-mock` (or
`python -m mockserver`) serves it; the `wiro_mock` pytest fixture runs it for a test.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from starlette.applications import Starlette

__all__ = ["create_app"]


def create_app(*args: Any, **kwargs: Any) -> Starlette:
    """See `mockserver.app.create_app` (imported lazily to keep `import mockserver` cheap)."""
    from mockserver.app import create_app as _create_app

    return _create_app(*args, **kwargs)
