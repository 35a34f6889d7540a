"""Which inputs an llms.txt doc's model requires, when the doc says nothing about it.

Each case is an input list shaped like a real model's (its OpenAPI document's
`required` list is the truth the rule was measured against: bench/required_rule.py).
"""

from __future__ import annotations

import pytest

from codegen.parser import parse_text
from codegen.parser.normalize import normalize
from codegen.schema import Model

HEAD = """## Basic tool info

Model name: acme/{project}
Model description: A model for tests.
Model categories:
{categories}
Run Task Endpoint (POST):
https://api.wiro.ai/v1/Run/acme/{project}

## Model Inputs:
"""


def _doc(inputs: list[tuple[str, str, str]], categories: tuple[str, ...] = ("tool",),
         project: str = "widget") -> Model:  # fmt: skip
    listed = "".join(f"  - {c}\n" for c in categories)
    text = HEAD.format(project=project, categories=listed)
    for name, kind, help_text in inputs:
        text += f"\n  - name: {name}\n    label: {name}\n    help: {help_text}\n    type: {kind}\n"
    return normalize(parse_text("acme__widget.llms.md", text), sha256="0")


def _required(model: Model) -> list[str]:
    return [i.name for i in model.inputs if i.required]


def test_a_text_prompt_is_required_and_nothing_else() -> None:
    """flux.2-klein: an optional reference image beside the prompt."""
    model = _doc([("inputImage", "combinefileinput", "Image"), ("prompt", "textarea", "Prompt"),
                  ("steps", "number", "Steps")])  # fmt: skip
    assert _required(model) == ["prompt"]


def test_without_a_prompt_the_first_file_of_each_medium() -> None:
    """wiro/virtual-try-on needs the person, not the garment; wan2.2-animate both media."""
    try_on = _doc([("inputImageHuman", "combinefileinput", "Person"),
                   ("inputImageClothes", "combinefileinput", "Garment"),
                   ("style", "select", "Style")])  # fmt: skip
    assert _required(try_on) == ["inputImageHuman"]
    animate = _doc([("inputImage", "combinefileinput", "Character"),
                    ("inputVideo", "combinefileinput", "Driving video")])  # fmt: skip
    assert _required(animate) == ["inputImage", "inputVideo"]


def test_a_file_that_also_comes_as_a_url_is_not_required() -> None:
    """wiro/ai-resume-cv-parser: either the document or its URL will do."""
    model = _doc([("inputDocumentMultiple", "multifileinput", "CV"),
                  ("inputDocumentUrlMultiple", "text", "CV URL")])  # fmt: skip
    assert _required(model) == []


def test_an_image_given_only_by_url_is_required() -> None:
    """wiro/cartoonify takes its photo as `inputImageUrl` alone: without it, nothing to draw."""
    model = _doc([("inputImageUrl", "text", "Image to use as reference"),
                  ("outputFormat", "select", "Format")])  # fmt: skip
    assert _required(model) == ["inputImageUrl"]


@pytest.mark.parametrize(
    ("categories", "project"),
    [(("tool", "image-to-image"), "widget"), (("tool",), "image-edit"), (("image-editing",), "x")],
)
def test_an_editing_model_needs_its_image_as_well_as_its_prompt(
    categories: tuple[str, ...], project: str
) -> None:
    """seededit, fireredteam/firered-image-edit: the image to edit and the instruction."""
    inputs = [("inputImageUrl", "text", "An input image"), ("prompt", "textarea", "Edit"),
              ("inputImage2", "combinefileinput", "A second image")]  # fmt: skip
    assert _required(_doc(inputs, categories, project)) == ["inputImageUrl", "prompt"]


@pytest.mark.parametrize(
    ("help_text", "required"),
    [
        ("Required. Total duration of the video", True),
        ("Required", True),
        ("Required: Product photo", True),
        ("Optional. Default off.", False),
        ("Required for chat history. Numeric or string ID.", False),
        ("Required if there is no prompt.", False),
        ("Required when multiShot is true.", False),
    ],
)
def test_a_help_text_that_states_it_wins(help_text: str, required: bool) -> None:
    """Wiro's help texts say "Required." (wan 2.6's duration) or "Optional." (kling's sound);
    "Required for …" / "Required if …" is a condition, so the rule decides."""
    model = _doc([("prompt", "textarea", "Prompt"), ("duration", "select", help_text)])
    assert model.input("duration").required is required
    prompt_only = _doc([("prompt", "textarea", help_text)])
    assert prompt_only.input("prompt").required is (required or not help_text.startswith("Opt"))
