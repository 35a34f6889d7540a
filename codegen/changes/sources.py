"""Where `wirogen add` and `wirogen sync` fetch docs from, and the choices between them.

Apart from :mod:`.sync` so that the command line can offer them as options without
importing the HTTP client and the parser: `wirogen generate` needs neither.
"""

from __future__ import annotations

from typing import Literal

DOCS_URL = "https://wiro.ai"
API_URL = "https://api.wiro.ai/v1"
#: Where `add`/`sync` look for a doc: `auto` picks per model (see :mod:`.sync`).
Source = Literal["auto", "api", "docs"]
SOURCES: tuple[Source, ...] = ("auto", "api", "docs")
