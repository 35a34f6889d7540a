"""How the catalogue looks to Wiro's discovery endpoints: model ids and records.

Everything here is rendered from the normalized schema (`codegen.schema.Model`), the same
objects the Run validator reads, so a model added to `specs/` appears everywhere at once.
"""

from __future__ import annotations

import hashlib

from codegen.schema import Model


def model_id(model: Model) -> int:
    """The model's numeric id (Tool/List `id`, the task's `modelid`): stable per slug."""
    digest = hashlib.md5(model.slug.encode(), usedforsecurity=False).hexdigest()
    return int(digest[:6], 16) % 9000
