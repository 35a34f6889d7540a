"""The programs the suite drives besides Python, and what a test does when one is missing.

`make test` installs them first (`.ci/system-packages`) or stops naming what is missing, so
a missing program never turns into silently skipped tests: a test that needs one fails,
saying which and how to get it. `make test-quick` deselects the tests that need
redis-server or Chromium (markers `needs_redis`, `needs_chromium`), explicitly.
"""

from __future__ import annotations

import os
import shutil

import pytest

#: program -> the Debian package that provides it
PACKAGES = {
    "redis-server": "redis-server",
    "chromium": "chromium",
    "curl": "curl",
    "openssl": "openssl",
    "bash": "bash",
}


def chromium_path() -> str | None:
    for candidate in (os.environ.get("CHROMIUM"), "chromium", "chromium-browser"):
        if candidate and (found := shutil.which(candidate)):
            return found
    return None


def find(program: str) -> str | None:
    return chromium_path() if program == "chromium" else shutil.which(program)


def require(program: str) -> str:
    """The path of `program`; a failure naming how to install it when there is none."""
    found = find(program)
    if found is None:
        pytest.fail(
            f"{program} is needed and not installed: apt-get install {PACKAGES[program]} "
            "(make test does it when run as root), or run make test-quick",
            pytrace=False,
        )
    return found
