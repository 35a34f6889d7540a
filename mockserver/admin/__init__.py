"""The mock's own control surface under `/__mock__`: the admin API and the dashboard.

Mounted as one sub-application with its own guard (off with `--no-admin`, the admin token,
or loopback `Host` and same `Origin`). May import every layer below (`api` included: the
dashboard runs a model through the real Run route); nothing imports `admin` but `app`.
"""
