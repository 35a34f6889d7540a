"""Changed versions of real docs, made from the copies in specs/ by small, named edits."""

from __future__ import annotations

from codegen.parser.restore import restore
from tests.paths import SPECS

NEW_REQUIRED_INPUT = """  - name: style
    label: Style
    help: The rendering style.
    type: select
    default: vivid
    required: true
    options:
      - value: "vivid"
        label: vivid
      - value: "natural"
        label: natural

"""
NEW_OPTIONAL_INPUT = """  - name: seed
    label: seed
    help: seed-help
    type: text
    default: 42

"""


def original(name: str) -> str:
    return (SPECS / name).read_text(encoding="utf-8")


def reve_generate_v2() -> str:
    """reve/Generate with the 3:2 aspect ratio removed and a new required input."""
    text = restore(original("reve__generate.llms.md"))
    text = text.replace('      - value: "3:2"\n        label: 3:2\n', "")
    return text.replace(
        "\n## Model Parameter Inspires:", "\n" + NEW_REQUIRED_INPUT + "## Model Parameter Inspires:"
    )


def dreamomni2_v2() -> str:
    """DreamOmni2 with a new optional input and a new default for `steps`."""
    text = restore(original("xiabs__dreamomni2.llms.md"))
    text = text.replace(
        "    type: number\n    default: 25\n", "    type: number\n    default: 30\n"
    )
    return text.replace(
        "\n## Integration Header Prepare",
        "\n" + NEW_OPTIONAL_INPUT + "## Integration Header Prepare",
        1,
    )
