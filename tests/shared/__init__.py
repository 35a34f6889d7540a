"""Several mock processes on one Redis serve as one mock: the CLI, expiry, concurrent
readers, a Redis restart mid-run."""
