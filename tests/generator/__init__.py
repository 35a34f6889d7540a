"""Schema -> generated/: the package is byte-identical run to run, ruff- and
mypy --strict-clean, safe against hostile strings, and the cache never changes output."""
