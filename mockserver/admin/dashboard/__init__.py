"""The mock's dashboard at `/__mock__/ui`: a live page of tasks, requests, models and controls.

`feed` (live change fan-out, subscribed to the state's events), `signature` (why a
request's auth failed), `views` (what the page shows, computed in Python), `templates` (the
Jinja2 rendering), `actions` (running a model, toggling a fault) and `routes` (HTTP and
WebSocket endpoints).
"""
