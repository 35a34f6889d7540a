"""A local docs site (loopback only) whose answers each test sets per path."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


@dataclass
class Answer:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(
        default_factory=lambda: {"content-type": "text/plain; charset=utf-8"}
    )
    #: Answer this many requests with 503 first (to exercise retries).
    failures: int = 0


@dataclass
class DocsSite:
    url: str
    answers: dict[str, Answer] = field(default_factory=dict)
    hits: list[str] = field(default_factory=list)

    def serve(self, path: str, body: str | bytes, **kwargs: object) -> None:
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.answers[path] = Answer(body=data, **kwargs)  # type: ignore[arg-type]

    def model(self, owner: str, project: str, body: str) -> None:
        self.serve(f"/models/{owner}/{project}/llms.txt", body)


@pytest.fixture
def docs_site() -> Iterator[DocsSite]:
    site = DocsSite(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            site.hits.append(self.path)
            answer = site.answers.get(self.path, Answer(status=404, body=b"not found"))
            if answer.failures:
                answer.failures -= 1
                self.send_response(503)
                self.end_headers()
                return
            self.send_response(answer.status)
            for key, value in answer.headers.items():
                self.send_header(key, value)
            self.send_header("content-length", str(len(answer.body)))
            self.end_headers()
            self.wfile.write(answer.body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    site.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield site
    server.shutdown()
    server.server_close()
