"""The HTTP layer: what every request goes through before and after its route.

`middleware` (body limits and timeouts, request faults, the journal entry, "never a 500"),
`routing` (the one dispatch of the app's route table: `CallRoute`, the `Dispatcher` that
serves Wiro API routes without Starlette's router, and `answer_failure`, which answers an
exception with the app's own handlers), `context` (the typed `RequestContext` the middleware
and a route share), `call` (the per-request `Call`, the `Reply` a route returns, the one
exception-to-envelope mapping `failure_reply`), `bodies` (every body form Wiro clients send,
as one dict) and `names` (client file names made safe). May import `state` and the layers
below it; never `api` or `admin` (routes reach the middleware as the table the app hands
it). Authentication itself (`mockserver.auth`) sits in the foundation: the state holds the
authenticator, the dashboard explains it.
"""
