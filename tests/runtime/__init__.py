"""The generated client's runtime on its own: auth, retries, waits, errors, downloads,
sockets and the CLI behave as documented, against the mock over loopback."""
