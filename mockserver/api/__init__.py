"""Wiro's API, one module per area: `run`, `tasks`, `files`, `socket`, `tools`.

Each route reads its request through `http.call`, works against `state.MockState` and
answers with a `Reply`. May import `http`, `state` and everything below; never `admin`.
"""
