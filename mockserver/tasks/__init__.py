"""A task and its life: the record and its Wiro rendering (`task`), the state machine and
the clock (`lifecycle`), the files a task produces (`outputs`).

Plain domain code: no HTTP, no store. May import `models`, `config` and `errors`.
"""
