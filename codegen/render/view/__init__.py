"""View models: everything the templates print, computed in Python.

Templates only place pre-computed, pre-quoted strings. Every identifier comes
from :mod:`codegen.render.names`, every value from :func:`codegen.render.quote.py`,
every docstring line from :func:`codegen.render.quote.doc_lines`, so no spec
text reaches generated code unescaped; long expressions are laid out by
:mod:`codegen.render.format`, so the output is already ``ruff format``-clean.

From the bottom up: :mod:`.reserved` (names spec text must not take),
:mod:`.headers` (provenance lines), :mod:`.fields` (one input), :mod:`.docs`
(a model's prose), :mod:`.model` (one model's module), :mod:`.catalogue`
(names across models, and the views made from them), :mod:`.registry` (the
files every model shares). A module imports only those before it.
"""
