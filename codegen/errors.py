"""The codegen package's exceptions: one base, so callers catch one type."""

from __future__ import annotations


class WirogenError(Exception):
    """Base of every error this package raises on purpose."""


class SpecError(WirogenError):
    """A model doc (or its override file) cannot be turned into a schema.

    Carries where (file, line) and what was expected, so the CLI can print one
    line per bad file with no traceback. A JSON doc has no useful lines once
    parsed, so its errors name the JSON pointer of the offending value instead,
    shown as `file#/pointer` (how the doc's own `$ref`s spell a location).
    """

    def __init__(
        self, path: str, message: str, line: int | None = None, pointer: str | None = None
    ) -> None:
        self.path = path
        self.line = line
        self.pointer = pointer
        self.message = message
        super().__init__(str(self))

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line is not None else self.path
        if self.pointer is not None:
            where = f"{where}#{self.pointer}"
        return f"{where}: {self.message}"

    def __reduce__(self) -> tuple[type[SpecError], tuple[str, str, int | None, str | None]]:
        """Pickle by fields (a parallel parse sends errors back from its workers)."""
        return type(self), (self.path, self.message, self.line, self.pointer)


class ParserBug(SpecError):
    """An unexpected exception while parsing one doc: wirogen's bug, not the doc's fault.

    Still a SpecError, so whatever lists a bad doc and carries on (`wirogen parse`, the
    mock's loader and `--watch`) skips this doc too instead of dying; the CLI tells it apart
    (exit code `EXIT_BUG`). `detail` is the traceback as text, for `--debug`: it must
    survive the pickling that brings errors back from parse workers.
    """

    def __init__(self, path: str, cause: str, detail: str = "") -> None:
        self.cause = cause
        self.detail = detail
        super().__init__(
            path, f"wirogen bug while reading this doc: {cause} (please report it; "
            "`wirogen parse --debug` on the doc shows the traceback)",
        )  # fmt: skip

    @classmethod
    def of(cls, path: str, exc: BaseException) -> ParserBug:
        """The bug for `exc`, raised while reading `path`, with its traceback kept."""
        import traceback  # only on this (rare) path

        detail = "".join(traceback.format_exception(exc))
        return cls(path, f"{type(exc).__name__}: {str(exc)[:200]}", detail)

    def __reduce__(self) -> tuple[type[ParserBug], tuple[str, str, str]]:  # type: ignore[override]
        return type(self), (self.path, self.cause, self.detail)


class OverrideError(SpecError):
    """An override file is not valid TOML or does not fit the override schema."""


class CatalogueError(WirogenError):
    """One or more docs in a specs folder failed; holds every failure, not just the first."""

    def __init__(self, errors: list[SpecError]) -> None:
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))


class GenerateError(WirogenError):
    """Code generation failed (for example two models map to one module)."""
