"""The models the mock serves: the registry loaded from `specs/` (`registry`), each model's
Run validator (`validation`), the discovery records of `Tool/*` (`discovery`) and what an
uploaded file is by its bytes (`media`).

Read from the normalized schema (`codegen.schema`), the same objects the generator reads.
Imports only `config`, `errors` and `codegen`: every other layer may use it.
"""
