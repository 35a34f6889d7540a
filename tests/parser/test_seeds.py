"""The facts the real docs state, read back from the normalized schema."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from syrupy.assertion import SnapshotAssertion
from syrupy.extensions.json import JSONSnapshotExtension

from codegen.parser import discover, load_catalogue, parse_file
from codegen.schema import InputKind, Model
from tests.paths import ROOT, SPECS

SPEC_FILES = discover([SPECS])
#: The markdown and page docs the project started from; the OpenAPI documents beside them
#: are checked against their own JSON in test_openapi_format.
SEED_FILES = [p for p in SPEC_FILES if p.suffix != ".json"]


@pytest.fixture(scope="module")
def models() -> dict[str, Model]:
    return load_catalogue(SPECS).by_slug()


@pytest.fixture
def snapshot_json(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    return snapshot.use_extension(JSONSnapshotExtension)


@pytest.mark.parametrize("path", SEED_FILES, ids=lambda p: p.name)
def test_snapshot_of_each_doc(path: Path, snapshot_json: SnapshotAssertion) -> None:
    model = parse_file(path, root=ROOT)
    assert model.model_dump(mode="json") == snapshot_json


def test_every_spec_becomes_a_model(models: dict[str, Model]) -> None:
    assert len(models) == len(SPEC_FILES)  # one model per doc: no slug twice
    assert {parse_file(path).slug for path in SEED_FILES} == {
        "bytedance/image-to-image-seededit-v3",
        "reve/edit",
        "reve/generate",
        "wiro/avatarmotion",
        "wiro/cartoonify",
        "wiro/iconic-locations",
        "wiro/professional-headshot",
        "wiro/story-maker-multi-character-consistency",
        "xiabs/dreamomni2",
    }


def test_reve_generate(models: dict[str, Model]) -> None:
    model = models["reve/generate"]
    assert (model.display_name, model.kind, model.run_path) == (
        "reve/Generate",
        "model",
        "/Run/reve/generate",
    )
    aspect = model.input("aspectRatio")
    assert aspect.kind is InputKind.SELECT
    assert aspect.option_values == ("16:9", "9:16", "3:2", "2:3", "4:3", "3:4", "1:1")
    assert aspect.default == "1:1"
    assert model.input("prompt").required and not aspect.required
    assert len(model.examples) == 4 and all(set(e) == {"prompt"} for e in model.examples)
    assert "text-to-image" in model.categories and model.output_kind == "image"


def test_dreamomni2(models: dict[str, Model]) -> None:
    model = models["xiabs/dreamomni2"]
    image = model.input("inputImage")
    assert image.kind is InputKind.FILES and image.wire_type == "combinefileinput"
    assert image.default == ["xiabs-dreamomni-2-input-1-1.jpg", "xiabs-dreamomni-2-input-1-2.jpg"]
    assert image.accepts_file and image.accepts_url and image.url_sibling is None
    steps, scale = model.input("steps"), model.input("scale")
    assert steps.kind is InputKind.INTEGER and steps.default == 25 and type(steps.default) is int
    assert scale.kind is InputKind.NUMBER and scale.default == 3.5 and type(scale.default) is float
    assert model.input("prompt").required
    assert model.input("prompt").help is None and model.input("prompt").help_key == "prompt-help"


def test_seededit(models: dict[str, Model]) -> None:
    model = models["bytedance/image-to-image-seededit-v3"]
    assert model.kind == "tool" and model.display_name == "ByteDance/image-to-image-seededit-v3"
    guidance = model.input("guidanceScale")
    assert guidance.kind is InputKind.NUMBER and guidance.default == 4.0
    # "between [1, 10]" is only in the help text: advisory, not a declared bound
    assert guidance.advisory_range == (1.0, 10.0)
    assert (guidance.minimum, guidance.maximum) == (None, None)
    watermark = model.input("watermark")
    assert watermark.kind is InputKind.SELECT and watermark.option_values == ("false", "true")
    assert watermark.default == "false"
    seed = model.input("seed")
    assert seed.kind is InputKind.INTEGER and seed.default == 1
    image = model.input("inputImageUrl")
    assert image.accepts_url and image.file_constraints is not None
    limits = image.file_constraints
    assert limits.content_types == ("image/jpeg", "image/png")
    assert limits.max_bytes == 10 * 1024 * 1024
    assert (limits.min_aspect_ratio, limits.max_aspect_ratio) == (round(1 / 3, 6), 3.0)
    assert limits.min_side_px == 15
    assert [w.input for w in model.warnings if w.code == "example_unknown_input"] == ["inputImage"]


def test_reve_edit_page(models: dict[str, Model]) -> None:
    model = models["reve/edit"]
    assert model.source.format == "page" and model.display_name == "reve/Edit"
    assert model.description.startswith("Modify existing images using text instructions.")
    image = model.input("inputImage")
    assert image.kind is InputKind.FILE and image.max_items == 1
    assert image.accepts_file and image.accepts_url
    assert model.input("prompt").required
    assert model.examples == (
        {
            "inputImage": "https://cdn.wiro.ai/uploads/sampleinputs/reve-edit-input-3.jpg",
            "prompt": "Change the color of the phone booth to blue",
        },
    )
    assert {"type_guessed", "cover_unknown", "categories_unknown"} <= {
        w.code for w in model.warnings
    }


def test_story_maker_completed_by_override(models: dict[str, Model]) -> None:
    model = models["wiro/story-maker-multi-character-consistency"]
    names = [i.name for i in model.inputs]
    assert names == [
        "selectedModel", "selectedModelPrivate", "inputImageUrl", "inputImage2Url", "prompt",
        "negativePrompt", "width", "height", "samples", "ipScale", "loraScale", "steps", "scale",
        "seed",
    ]  # fmt: skip
    assert all(i.origin.startswith("override: ") for i in model.inputs)
    assert model.input("width").default == 768 and model.input("scale").kind is InputKind.NUMBER
    assert model.input("selectedModel").option_values == ("425", "1291", "995", "939", "1097")
    assert model.kind == "tool" and model.source.overrides[0].path.endswith(".override.toml")
    codes = {w.code for w in model.warnings}
    assert "inputs_unlisted" in codes and "cover_unknown" not in codes


def test_avatarmotion(models: dict[str, Model]) -> None:
    model = models["wiro/avatarmotion"]
    effect = model.input("effectType")
    assert effect.wire_type == "selectwithcover"
    assert effect.kind is InputKind.TEXT  # its options are not in the doc: any value passes
    assert model.input("inputImage").default == ["input-man-3.jpg"]
    assert model.input("seed").default == "42" and model.input("seed").kind is InputKind.TEXT
    assert model.output_kind == "video"


@pytest.mark.parametrize(
    ("slug", "picker", "picks", "default"),
    [
        ("wiro/professional-headshot", "background",
         ["white", "black", "neutral", "gray", "office"], "neutral"),
        ("wiro/iconic-locations", "iconicLocation", None, "Random"),
    ],
)  # fmt: skip
def test_the_image_tools_read_as_their_docs_state(
    models: dict[str, Model], slug: str, picker: str, picks: list[str] | None, default: str
) -> None:
    """The two tools the seeds cover only by snapshot, checked against their docs' text: an
    image URL (jpeg, png: "Must be jpeg, png"), a select of backgrounds or of 67 places, and
    the shared tail of aspect ratio (14, "" meaning match_input_image), seed and format."""
    model = models[slug]
    image = model.input("inputImageUrl")
    assert image.required and image.accepts_url
    assert image.file_constraints is not None
    assert image.file_constraints.content_types == ("image/jpeg", "image/png")
    choice = model.input(picker)
    assert choice.kind is InputKind.SELECT and choice.default == default
    if picks is not None:
        assert list(choice.option_values) == picks
    else:
        values = list(choice.option_values)
        assert len(values) == 67 and values[0] == "Random" and values[-1] == "St. Basil's Cathedral"
    aspect = model.input("aspectRatio")
    assert len(aspect.options) == 14 and aspect.options[0].label == "match_input_image"
    assert model.input("seed").default == "42" and model.input("seed").kind is InputKind.TEXT
    output = model.input("outputFormat")
    assert list(output.option_values) == ["jpeg", "png"] and output.default == "jpeg"
    assert "image-to-image" in model.categories and model.output_kind == "image"


def test_empty_valued_option_is_a_real_default(models: dict[str, Model]) -> None:
    aspect = models["wiro/cartoonify"].input("aspectRatio")
    assert aspect.option_values[0] == "" and aspect.options[0].label == "match_input_image"
    assert aspect.default == ""


def test_json_output_is_stable(models: dict[str, Model]) -> None:
    first = json.dumps([m.model_dump(mode="json") for m in models.values()])
    again = json.dumps(
        [m.model_dump(mode="json") for m in load_catalogue(SPECS).by_slug().values()]
    )
    assert first == again
