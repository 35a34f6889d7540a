"""Static description of one Wiro model, emitted by the generator for each model.

This module is the contract between the generated code (which builds ``ModelSpec``
instances) and the hand-written runtime (which uses them to send requests and to
build the command line). It holds data only, no behaviour.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pydantic

__all__ = ["FileField", "ModelSpec"]


@dataclass(frozen=True)
class FileField:
    """One file input of a model, by its wire name."""

    name: str
    """Wire name, e.g. ``"inputImage"``."""
    url_sibling: str | None
    """``"inputImageUrl"`` for fileinput/multifileinput; ``None`` for combinefileinput."""
    multiple: bool
    """Whether a list of files is allowed."""
    max_items: int | None
    """Maximum number of entries, when documented."""


@dataclass(frozen=True)
class ModelSpec:
    """Everything the runtime needs to run one model."""

    slug: str
    """Clean lowercase slug, e.g. ``"reve/edit"``."""
    display_name: str
    """Display name from the docs, e.g. ``"reve/Edit"``."""
    run_path: str
    """Path of the Run endpoint, e.g. ``"/Run/reve/edit"``."""
    description: str
    input_model: type[pydantic.BaseModel]
    """Generated input model; fields use wire names as aliases, ``populate_by_name``."""
    file_fields: tuple[FileField, ...] = ()
    example: Mapping[str, str] = field(default_factory=dict)
    """One documented example (wire name -> value), for CLI help."""
    advisory_ranges: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    """Wire name -> ``(min, max)`` that only the doc's help text states ("between [1, 10]").

    Shown in help, never enforced: Wiro accepts values outside them. Declared bounds
    are ``ge``/``le`` on ``input_model`` and are enforced.
    """
