"""The whole catalogue's names, allocated once, and the views made from them.

Names that must be unique across models (owner attributes and classes, each
owner's module names) are allocated here, in slug order, before any model's
view is made: a view then depends only on its own model and names, so the
engine may make views in any order, in parallel, or take them from its cache.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from codegen.errors import GenerateError
from codegen.render.format import def_header
from codegen.render.names import Namer, pascal, snake
from codegen.render.quote import doc_lines, doc_text
from codegen.render.view.headers import shared_header
from codegen.render.view.model import ModelView, model_view, split_slug
from codegen.render.view.reserved import CLIENT_RESERVED, NAMESPACE_RESERVED
from codegen.schema import Model


@dataclass
class OwnerView:
    slug_owner: str
    attr: str
    package: str  # dotted
    file_path: str
    class_name: str
    async_class_name: str
    doc: list[str]
    prop_def: str
    async_prop_def: str
    models: list[ModelView] = field(default_factory=list)
    sources: list[Model] = field(default_factory=list)


@dataclass
class CatalogueView:
    package: str
    dist_name: str
    header: list[str]
    owners: list[OwnerView]
    models: list[ModelView]
    specs_label: str


@dataclass(frozen=True)
class ViewJob:
    """One :func:`model_view` call, its names already allocated."""

    model: Model
    package: str
    owner_attr: str
    module: str
    specs_dir: PurePosixPath | None
    registry_alias: str

    def make(self) -> ModelView:
        return model_view(
            self.model,
            self.package,
            self.owner_attr,
            self.module,
            self.specs_dir,
            self.registry_alias,
        )


#: Makes every job's view, in order (the engine's does it in parallel, cached).
ViewsMaker = Callable[[list[ViewJob]], list[ModelView]]


def catalogue_view(
    models: Sequence[Model],
    package: str,
    specs_dir: PurePosixPath | None,
    make_views: ViewsMaker | None = None,
) -> CatalogueView:
    """Names for every owner and model, allocated in slug order (deterministic).

    Names are allocated first, for the whole catalogue; the views, which only
    depend on their own model and names, are then made all at once by
    ``make_views`` (default: :meth:`ViewJob.make` on each, in order).
    """
    slugs = [m.slug for m in models]
    if len(set(slugs)) != len(slugs):
        dupes = sorted({s for s in slugs if slugs.count(s) > 1})
        raise GenerateError(f"duplicate model slugs: {', '.join(dupes)}")
    owner_attrs = Namer(CLIENT_RESERVED)
    owner_classes = Namer(NAMESPACE_RESERVED)
    owners: dict[str, OwnerView] = {}
    module_namers: dict[str, Namer] = {}
    jobs: list[ViewJob] = []
    homes: list[OwnerView] = []
    for model in sorted(models, key=lambda m: m.slug):
        owner_slug, project = split_slug(model)
        owner = owners.get(owner_slug)
        if owner is None:
            attr = owner_attrs.claim(snake(owner_slug, "owner"))
            cls = owner_classes.claim(pascal(owner_slug, "Owner") + "Models")
            async_cls = owner_classes.claim("Async" + cls)
            owner = OwnerView(
                slug_owner=owner_slug,
                attr=attr,
                package=f"{package}.models.{attr}",
                file_path=f"{package}/models/{attr}/__init__.py",
                class_name=cls,
                async_class_name=async_cls,
                doc=doc_lines([doc_text(f"Models published by {owner_slug} on Wiro.")], 1),
                prop_def=def_header(attr, ("self",), cls, 1),
                async_prop_def=def_header(attr, ("self",), async_cls, 1),
            )
            owners[owner_slug] = owner
            module_namers[owner_slug] = Namer({"l"})
        module = module_namers[owner_slug].claim(snake(project, "model"))
        alias = registry_alias(owner.attr, module)
        jobs.append(ViewJob(model, package, owner.attr, module, specs_dir, alias))
        homes.append(owner)
    views = make_views(jobs) if make_views is not None else [job.make() for job in jobs]
    for job, home, view in zip(jobs, homes, views, strict=True):
        home.models.append(view)
        home.sources.append(job.model)
    label = specs_dir.name if specs_dir is not None else "specs"
    return CatalogueView(
        package=package,
        dist_name=package.replace("_", "-"),
        header=shared_header(f"{label}/"),
        owners=list(owners.values()),
        models=views,
        specs_label=label,
    )


def registry_alias(owner_attr: str, module: str) -> str:
    """The name a model's module is imported as in ``_registry.py``.

    Made of the model's own names, never its position, so adding a model leaves
    every other model's registry lines (and render-cache key) as they were.
    Unique: neither name starts with ``_`` or contains ``__``.
    """
    return f"_{owner_attr}__{module}"
