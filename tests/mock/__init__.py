"""The mock against Wiro's protocol: runs, validation, tasks, files, sockets, faults,
limits, auth and hostile requests, each test on both stores (memory and Redis) unless it
creates no app."""
