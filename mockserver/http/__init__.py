"""The HTTP layer: what every request goes through before and after its route.

`middleware` (body limits and timeouts, the admin guard, request faults, the journal entry,
"never a 500"), `call` (the typed per-request `Call` and the `Reply` a route returns),
`bodies` (every body form Wiro clients send, as one dict), `auth` (signature and API-key
modes) and `names` (client file names made safe). May import `state` and the layers below
it; never `api` or `admin` (routes reach the middleware as a table the app hands it).
"""
