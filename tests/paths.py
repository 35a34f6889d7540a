"""Where the project's specs and test fixtures live (importable from any test)."""

import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPECS = ROOT / "specs"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
_API_DOC = ".openapi.json"
_OVERRIDE = ".override.toml"


def copy_doc_specs(dest: Path) -> Path:
    """Copy specs/'s llms.txt and page docs (with their overrides) into `dest`: the models
    a docs site serves, without the OpenAPI documents that only the API serves."""
    dest.mkdir(parents=True, exist_ok=True)
    for path in sorted(SPECS.iterdir()):
        stem = path.name.removesuffix(_OVERRIDE)
        if path.name.endswith(_API_DOC) or (SPECS / f"{stem}{_API_DOC}").exists():
            continue
        shutil.copy2(path, dest / path.name)
    return dest
