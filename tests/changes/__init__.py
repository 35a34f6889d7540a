"""When models change: the semantic diff, `wirogen add`/`sync` against a docs source,
and the generated package's changelog and versioning."""
