"""The mock's own control surface under `/__mock__`: the admin API and the dashboard.

One Starlette mount (`routes.mount`) behind its guard (`guard`: off with `--no-admin`, the
admin token, or loopback `Host` and same `Origin`), every input checked by a model
(`inputs`). May import every layer below (`api` included: the dashboard runs a model through
the real Run route); nothing imports `admin` but `app`.
"""
