"""Measure: how often normalize's required rule agrees with Wiro's own `required` lists.

An llms.txt or page doc never says which inputs are required, so `normalize`
guesses (`codegen.parser.normalize.required_by_rule`, after a help text's
"Required."/"Optional."). Wiro's per-model OpenAPI documents do say it. For
every document in ``shared/corpus/openapi*/`` (the ``shared/`` folder beside the
repository; one per model), this reads the inputs as an llms.txt would state
them (the `required` list dropped) and compares each guess with the document.
A baseline rule (only a text `prompt` is required) is measured in the same run.

    .venv/bin/python bench/required_rule.py [--misses]
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from codegen.parser.normalize import _stated_required, required_by_rule  # noqa: E402
from codegen.parser.openapi_doc import parse_openapi  # noqa: E402
from codegen.parser.raw import RawDoc, RawInput  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus"
Rule = Callable[[list[RawInput], list[str]], dict[str, bool]]


def documents() -> dict[str, RawDoc]:
    """One document per model (the catalogue's copy wins over the older folder's)."""
    found: dict[str, RawDoc] = {}
    for folder in ("openapi", "openapi-catalogue"):
        for path in sorted((CORPUS / folder).glob("*.json")):
            raw = parse_openapi(path.name, path.read_text(encoding="utf-8"))
            found[raw.info["name"].lower()] = raw
    return found


def as_llms(raw: RawInput) -> RawInput:
    """The input as an llms.txt writes it: everything but the `required` list."""
    fields = {k: v for k, v in raw.fields.items() if k != "required"}
    return RawInput(name=raw.name, fields=fields, options=raw.options)


def ours(inputs: list[RawInput], labels: list[str]) -> dict[str, bool]:
    guessed = required_by_rule(inputs, labels)
    result = {}
    for raw in inputs:
        stated = _stated_required(raw)
        result[raw.name] = raw.name in guessed if stated is None else stated
    return result


def prompt_only(inputs: list[RawInput], labels: list[str]) -> dict[str, bool]:
    return {raw.name: raw.name == "prompt" for raw in inputs}


def measure(docs: dict[str, RawDoc], rule: Rule) -> tuple[int, int, list[str]]:
    right = total = 0
    misses = []
    for slug, doc in sorted(docs.items()):
        # an OpenAPI document has no categories: the slug's words are all the labels
        guesses = rule([as_llms(raw) for raw in doc.inputs], re.split(r"[-_/\s]+", slug))
        for raw in doc.inputs:
            truth = raw.fields.get("required") == "true"
            total += 1
            if guesses[raw.name] == truth:
                right += 1
            else:
                misses.append(f"{slug}: {raw.name} ({'required' if truth else 'optional'})")
    return right, total, misses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--misses", action="store_true", help="list every wrong guess")
    args = parser.parse_args()
    docs = documents()
    print(f"{len(docs)} models with an OpenAPI document\n")
    print(f"{'rule':<34} {'right':>7} {'inputs':>7} {'agreement':>10}")
    results = {"prompt only (baseline)": prompt_only, "normalize (help, prompt, files)": ours}
    for name, rule in results.items():
        right, total, _ = measure(docs, rule)
        print(f"{name:<34} {right:>7} {total:>7} {100 * right / total:>9.1f}%")
    if args.misses:
        print("\nwrong guesses of normalize's rule:")
        print("\n".join(f"  {miss}" for miss in measure(docs, ours)[2]))


if __name__ == "__main__":
    main()
