"""Where a running mock keeps its state, behind one interface (`base.Store`): `memory`
(this process, the default) and `redis` (several processes serving as one mock).

May import `control`, `tasks`, `models`, `config` and `errors`; never `http`, `api` or
`admin`.
"""
