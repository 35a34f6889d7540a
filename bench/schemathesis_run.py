"""The long Schemathesis run against the mock in process (the CI test runs a short one).

Every operation of the document the mock serves at `/v1/openapi.json`, loaded with
`schemathesis.openapi.from_asgi`, in positive and negative generation modes, twice: signed
(a fresh nonce per request) and with auth off. Each response goes through the checks
`not_a_server_error`, `status_code_conformance`, `content_type_conformance` and
`response_schema_conformance`. Failures are counted, not raised, so the totals cover the
whole run. Exit status 1 if any 5xx or non-conforming response was seen.

    .venv/bin/python bench/schemathesis_run.py [--examples 200] [--seed 0]
"""

from __future__ import annotations

import argparse
import collections
import itertools
import logging
import sys
import time
from pathlib import Path
from typing import Any, cast

ROOT = Path(__file__).resolve().parents[1]
# bench/ holds codegen.py (the generator's benchmark): keep it from shadowing the package.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(ROOT))

import schemathesis  # noqa: E402
from hypothesis import HealthCheck, given, seed, settings  # noqa: E402
from hypothesis.errors import Unsatisfiable  # noqa: E402
from schemathesis import GenerationMode  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.core.result import Ok  # noqa: E402
from schemathesis.python.asgi import get_client  # noqa: E402
from schemathesis.specs.openapi.checks import (  # noqa: E402
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from mockserver import create_app  # noqa: E402
from mockserver.auth import signed_headers  # noqa: E402
from mockserver.config import DEFAULT_API_KEY, DEFAULT_API_SECRET  # noqa: E402

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
NONCES = itertools.count(1_734_513_807_000)


def signed() -> dict[str, str]:
    return signed_headers(DEFAULT_API_KEY, DEFAULT_API_SECRET, next(NONCES))


class Tally:
    def __init__(self) -> None:
        self.examples = 0
        self.server_errors = 0
        self.nonconforming = 0
        self.statuses: collections.Counter[int] = collections.Counter()
        self.failures: list[str] = []
        self.unsatisfiable: list[str] = []


def run_variant(name: str, examples: int, run_seed: int, tally: Tally, **config: Any) -> None:
    app = create_app(specs=ROOT / "specs", seed=run_seed, clock={"mode": "step"}, **config)
    ids: list[str] = []
    with get_client(cast(Any, app)) as client:
        for prompt in ("a lighthouse", "a fox", "a harbour", "a kite"):
            response = client.post(
                "/v1/Run/reve/generate", json={"prompt": prompt}, headers=signed()
            )
            ids.append(response.json()["taskid"])
    schema = schemathesis.openapi.from_asgi("/v1/openapi.json", app)
    pick = itertools.count()
    for result in schema.get_all_operations():
        operation = cast(Ok[Any], result).ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @seed(run_seed)
            @settings(
                max_examples=examples,
                deadline=None,
                suppress_health_check=list(HealthCheck),
                database=None,
            )
            @given(case=operation.as_strategy(generation_mode=mode))
            def check(case: schemathesis.Case[Any]) -> None:
                path = case.operation.path
                if path.startswith("/Task/") and isinstance(case.body, dict):
                    n = next(pick)
                    if n % 2 == 0 and path != "/Task/List":
                        case.body = {**case.body, "taskid": ids[(n // 2) % len(ids)]}
                headers = signed() if config.get("auth", True) else None
                response = case.call(headers=headers)
                tally.examples += 1
                tally.statuses[response.status_code] += 1
                if response.status_code >= 500:
                    tally.server_errors += 1
                try:
                    case.validate_response(response, checks=CHECKS)
                except Exception as exc:
                    tally.nonconforming += 1
                    if len(tally.failures) < 20:
                        label = case.operation.label
                        tally.failures.append(f"{name} {label}: {exc}")

            try:
                check()
            except Unsatisfiable:  # e.g. no invalid request exists for a body-less operation
                tally.unsatisfiable.append(f"{operation.label} {mode.value}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=200, help="per operation and mode")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    # python-multipart logs each malformed part header the negative cases send
    logging.getLogger("python_multipart").setLevel(logging.ERROR)
    logging.getLogger("multipart").setLevel(logging.ERROR)
    started = time.perf_counter()
    tally = Tally()
    run_variant("signed", args.examples, args.seed, tally)
    run_variant("no-auth", args.examples, args.seed, tally, auth=False)
    elapsed = time.perf_counter() - started
    statuses = ", ".join(f"{k}: {v}" for k, v in sorted(tally.statuses.items()))
    print(f"examples run:        {tally.examples}")
    print(f"5xx responses:       {tally.server_errors}")
    print(f"non-conforming:      {tally.nonconforming}")
    print(f"statuses:            {statuses}")
    print(f"elapsed:             {elapsed:.1f} s")
    if tally.unsatisfiable:
        print(f"no cases generated:  {', '.join(sorted(set(tally.unsatisfiable)))}")
    for failure in tally.failures:
        print("  " + failure.replace("\n", " | ")[:400])
    return 1 if tally.server_errors or tally.nonconforming else 0


if __name__ == "__main__":
    raise SystemExit(main())
