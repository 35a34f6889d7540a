"""What a test controls and observes about the mock: fault rules (`faults`), per-project
limits (`limits`), the request journal (`journal`) and webhook delivery (`callbacks`).

May import `tasks`, `models`, `config` and `errors`; the stores persist these, they do not
own them.
"""
