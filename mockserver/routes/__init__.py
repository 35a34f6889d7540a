"""HTTP and WebSocket routes, one module per API area (run, tasks, files, socket, admin)."""
