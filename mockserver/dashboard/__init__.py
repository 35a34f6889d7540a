"""The mock's dashboard at `/__mock__/ui`: a live page of tasks, requests, models and controls.

`feed` (live change fan-out, hooked into `MockState`), `signature` (why a request's auth
failed), `views` (what the page shows, computed in Python), `templates` (the Jinja2
rendering), `actions` (running a model, toggling a fault) and `routes` (HTTP and WebSocket
endpoints). Kept import-light: `MockState` imports `feed` from here.
"""
