"""Quoted values, range keys and info keys after a list, in both forms of a doc.

The docs here follow the real ones' layout (`specs/wiro__cartoonify.llms.md`
line-structured, `specs/reve__generate.llms.md` flattened, `specs/reve__edit.page.txt`
for the page); each llms doc is read as written and flattened the way the
seeds lost their newlines, and both forms must give the same facts.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from codegen.parser import parse_text
from codegen.parser.normalize import normalize
from codegen.schema import InputKind, Model
from codegen.wire import unquote

HEAD = """source: a test doc laid out like github.com/altudev/wiro-ai-sdk docs/wiro-ai/*/llms.txt
## Basic tool info

Tool name: acme/Widget
Tool description: A widget for tests.
Tool cover: https://cdn.wiro.ai/uploads/models/acme-widget-cover.png
"""
#: The info lists and the Run endpoint; the gaps are blank lines in the real docs.
LISTS = """Tool categories:
  - tool
  - image-to-image
{gap}Tool tags:
  - ByteDance
  - image editing
{gap_before_run}Run Task Endpoint (POST):{sep}https://api.wiro.ai/v1/Run/acme/widget
"""
TASK = """
Get Task Detail Endpoint (POST):
https://api.wiro.ai/v1/Task/Detail

## Tool Inputs:

"""
LATER = """## Tool Parameter Inspires:

- prompt: "a koala in a shirt"

## Integration Header Prepare

```bash
export YOUR_API_KEY="{{useSelectedProjectAPIKey}}";
```
"""


def _doc(inputs: str, gap: str = "\n", gap_before_run: str = "\n", sep: str = "\n") -> str:
    lists = LISTS.format(gap=gap, gap_before_run=gap_before_run, sep=sep)
    return HEAD + lists + TASK + inputs + LATER


def _input(
    name: str, kind: str, *fields: str, label: str | None = None, help: str | None = None
) -> str:
    """One input; `fields` are its lines after `type`, indented as in the docs."""
    lines = [f"  - name: {name}", f"    label: {label or name}", f"    help: {help or name}"]
    lines += [f"    type: {kind}", *(f"    {field}" if field else "" for field in fields)]
    return "\n".join([*lines, "", ""])


def _options(*pairs: tuple[str, str]) -> tuple[str, ...]:
    lines = ["options:"]
    for value, label in pairs:
        lines += [f"  - value: {value}", f"    label: {label}", ""]
    return tuple(lines)


def _flatten(text: str) -> str:
    """What the seeds look like: every run of whitespace one space, the source line kept."""
    head, body = text.split("\n", 1)
    return head + "\n" + " ".join(body.split())


def _as_written(text: str) -> str:
    return text


FORMS: dict[str, Callable[[str], str]] = {"line": _as_written, "flat": _flatten}


def _model(text: str) -> Model:
    return normalize(parse_text("acme__widget.llms.md", text), sha256="0")


def _codes(model: Model) -> set[str]:
    return {w.code for w in model.warnings}


def _facts(model: Model) -> dict[str, object]:
    return model.model_dump(mode="json", exclude={"warnings", "source"})


@pytest.fixture(params=sorted(FORMS))
def form(request: pytest.FixtureRequest) -> Callable[[str], str]:
    return FORMS[request.param]


# --- 1. quoted scalars -----------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ('"1"', "1"),
        ("'1:1'", "1:1"),
        ('""', ""),
        ("''", ""),
        ("16:9", "16:9"),
        ('say "hi"', 'say "hi"'),  # quotes not around the whole value stay
        ("\"say 'hi' now\"", "say 'hi' now"),  # the other kind of quote inside stays
        ('"a" and "b"', '"a" and "b"'),  # two quoted words, not one quoted value
        ('"say \\"hi\\""', 'say "hi"'),  # escaped quotes become quotes
        ("'it\\'s'", "it's"),
        ('"C:\\dir\\\\"', "C:\\dir\\"),  # a backslash escapes only a quote or a backslash
        ('"abc\\"', '"abc\\"'),  # the closing quote is escaped: not a quoted value
        ("\"16:9'", "\"16:9'"),  # quotes that do not match
        ('"', '"'),
        ("", ""),
    ],
)
def test_unquote(written: str, read: str) -> None:
    assert unquote(written) == read


QUOTED_INPUTS = (
    _input("seed", "number", 'default: "1"')
    + _input("prompt", "textarea", 'default: "a koala, max: 4k"')
    + _input("inputImageUrl", "text", 'default: ""')
    + _input("styles", "multiselect", 'default: "61"', *_options(('"61"', '"Sixty-one"')))
    + _input("aspectRatio", "select", 'default: ""', *_options(('""', "match_input_image")))
    + _input(
        "format", "select", "default: 'png'", *_options(("'jpeg'", "'jpeg'"), ("'png'", "png"))
    )
)


def test_quoted_defaults_options_and_labels(form: Callable[[str], str]) -> None:
    model = _model(form(_doc(QUOTED_INPUTS)))
    assert model.input("seed").default == 1 and model.input("seed").kind is InputKind.INTEGER
    assert model.input("prompt").default == "a koala, max: 4k"
    assert model.input("inputImageUrl").default is None  # "" is no default...
    assert model.input("aspectRatio").default == ""  # ...unless "" is an option
    styles = model.input("styles")
    assert styles.default == ["61"]
    assert [(o.value, o.label) for o in styles.options] == [("61", "Sixty-one")]
    fmt = model.input("format")
    assert (fmt.default, fmt.option_values) == ("png", ("jpeg", "png"))
    assert [o.label for o in fmt.options] == ["jpeg", "png"]
    assert model.examples == ({"prompt": "a koala in a shirt"},)
    assert not _codes(model) & {"bad_default", "default_not_in_options"}


def test_quoted_label_and_range_keys(form: Callable[[str], str]) -> None:
    fields = ('default: "0.5"', 'min: "0"', "max: '1'", 'step: "0.1"')
    written = _input("strength", "range", *fields, label='"Strength"')
    item = _model(form(_doc(written))).input("strength")
    assert (item.label, item.default) == ("Strength", 0.5)
    assert (item.minimum, item.maximum, item.step) == (0.0, 1.0, 0.1)


# --- 2. range keys in a flattened doc ----------------------------------------------


@pytest.mark.parametrize(
    "fields",
    [
        ("default: 0.5", "min: 0", "max: 1", "step: 0.1"),
        ("min: 0", "max: 1", "step: 0.1", "default: 0.5"),
        ("min: 0", "default: 0.5", "max: 1", "required: true"),
        ("default: ", "min: 0", "max: 1"),
    ],
    ids=["after-default", "before-default", "both-sides", "empty-default"],
)
def test_range_keys_survive_flattening(fields: tuple[str, ...]) -> None:
    text = _doc(_input("strength", "range", *fields))
    original, flattened = _model(text), _model(_flatten(text))
    assert _facts(flattened) == _facts(original)
    item = flattened.input("strength")
    assert (item.minimum, item.maximum) == (0.0, 1.0)
    assert item.required is ("required: true" in fields)
    assert "bad_default" not in _codes(flattened)


def test_range_keys_then_options_in_a_flattened_doc() -> None:
    fields = ("default: 25", "min: 1", "max: 50", "step: 1", *_options(('"25"', "25")))
    steps = _model(_flatten(_doc(_input("steps", "range", *fields)))).input("steps")
    assert (steps.kind, steps.default) == (InputKind.INTEGER, 25)
    assert (steps.minimum, steps.maximum, steps.option_values) == (1.0, 50.0, ("25",))


def test_free_text_default_keeps_key_like_words() -> None:
    """Only a trailing run of one-word keys is cut from a flattened default."""
    written = _input("prompt", "textarea", "default: a poster, max: detail, step: by step")
    item = _model(_flatten(_doc(written))).input("prompt")
    assert item.default == "a poster, max: detail, step: by step"


def test_quoted_default_is_taken_whole_in_a_flattened_doc() -> None:
    written = _input("prompt", "textarea", 'default: "a cat min: 1 options: none"', "max: 3")
    item = _model(_flatten(_doc(written))).input("prompt")
    assert item.default == "a cat min: 1 options: none"


def test_help_saying_type_then_a_short_key_stays_help() -> None:
    """`type: T default:` is looked for first, as before range keys were known."""
    written = _input("image", "text", "default: a.png", help="File type: png max: 10MB")
    item = _model(_flatten(_doc(written))).input("image")
    assert (item.help, item.wire_type) == ("File type: png max: 10MB", "text")
    assert item.default == "a.png"


# --- 3. an info key right after a bullet list ---------------------------------------


@pytest.mark.parametrize(
    ("gap", "gap_before_run", "sep"),
    [("", "\n", "\n"), ("\n", "", "\n"), ("\n", "", " "), ("", "", " ")],
    ids=["tags-after-categories", "endpoint-after-tags", "endpoint-one-line", "no-blank-lines"],
)
def test_info_key_after_a_list_ends_the_list(
    gap: str, gap_before_run: str, sep: str, form: Callable[[str], str]
) -> None:
    text = _doc(_input("prompt", "textarea", "default: hi"), gap, gap_before_run, sep)
    model = _model(form(text))
    assert model.categories == ("tool", "image-to-image")
    assert model.tags == ("ByteDance", "image editing")
    assert model.run_path == "/Run/acme/widget"
    assert "run_path_guessed" not in _codes(model)


def test_a_wrapped_item_that_is_no_info_key_stays_in_the_item() -> None:
    """Only the known info keys end a list: another `word: text` line stays the item's."""
    text = _doc(_input("prompt", "textarea", "default: hi"), gap="Note: wrapped\n\n")
    assert _model(text).categories == ("tool", "image-to-image\nNote: wrapped")


# --- the page reader --------------------------------------------------------------

PAGE = """  • Home
  • Models

A widget for tests.
200runs

API Sample: acme/Widget

Run Command - Make HTTP Post Request (Multipart)

curl -X POST "https://api.wiro.ai/v1/Run/acme/widget"  \\
-H "x-api-key: ${YOUR_API_KEY}" \\
  -F "prompt=He said \\"hi\\" to C:\\dir" \\
  -F "callbackUrl=Optional: Webhook URL for task completion notifications";

Run Command - Response
"""


def test_page_field_escapes_read_by_the_same_rule() -> None:
    model = normalize(parse_text("acme__widget.page.txt", PAGE), sha256="0")
    assert model.examples == ({"prompt": 'He said "hi" to C:\\dir'},)


def test_multiselect_default_of_separately_quoted_parts() -> None:
    """`default: "61", "62"`: each part is a quoted scalar of its own."""
    doc = """## Basic tool info

Model name: acme/pick
Model description: d
Run Task Endpoint (POST):
https://api.wiro.ai/v1/Run/acme/pick

## Model Inputs:

  - name: ids
    label: Ids
    help: H
    type: multiselect
    default: "61", "62"
    options:
      - value: "61"
        label: a
      - value: "62"
        label: b
      - value: "63"
        label: c

## Model Parameter Inspires:

## Integration Header Prepare
"""
    model = normalize(parse_text("pick.md", doc), sha256="0" * 64)
    assert model.input("ids").default == ["61", "62"]
