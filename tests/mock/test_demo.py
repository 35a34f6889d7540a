"""`make demo`'s choices: which models run, whose timelines print, what each is sent."""

from __future__ import annotations

from pathlib import Path

import pytest

from codegen.parser import load_catalogue
from mockserver.models.media import sniff
from tests import demo
from tests.paths import SPECS

MODELS = load_catalogue(SPECS).by_slug()


@pytest.mark.no_store
def test_models_are_picked_by_slug_patterns() -> None:
    every = tuple(MODELS.values())
    assert demo.pick(every, None) == list(every)
    picked = demo.pick(every, ["reve/*", "WIRO/CHAT"])
    assert [m.slug for m in picked] == ["reve/edit", "reve/generate", "wiro/chat"]
    assert demo.pick(every, ["nobody/*"]) == []


@pytest.mark.no_store
def test_timelines_of_one_model_per_kind_and_every_failure() -> None:
    slugs = ("reve/generate", "reve/edit", "wiro/chat", "openai/sora-2", "wiro/cartoonify")
    runs = [demo.Outcome(MODELS[slug], "poll") for slug in slugs]
    runs[4].exit_code = 1
    shown = [o.model.slug for o in demo.detailed(runs, "kinds")]
    assert shown == ["reve/generate", "wiro/chat", "openai/sora-2", "wiro/cartoonify"]
    assert demo.detailed(runs, "all") == runs


@pytest.mark.no_store
def test_each_file_input_gets_a_sample_of_its_medium(tmp_path: Path) -> None:
    """live-avatar takes an image and an audio, each also as a URL: files only, once each."""
    args = demo.cli_arguments(MODELS["alibaba-quark/live-avatar"], tmp_path, "http://unused")
    sent = dict(zip(args[::2], args[1::2], strict=True))
    assert "--inputImageUrl" not in sent and "--inputAudioUrl" not in sent
    image, audio = Path(sent["--inputImage"]), Path(sent["--inputAudio"])
    assert (sniff(image.read_bytes()), sniff(audio.read_bytes())) == ("image/png", "audio/wav")
    document = demo.sample_file(tmp_path, "document", 0)
    assert sniff(document.read_bytes()) == "application/pdf"
