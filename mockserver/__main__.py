"""`python -m mockserver`: same as `wiro-mock`."""

from mockserver.cli import main

# Guarded: `--workers` starts its processes with multiprocessing's spawn, which imports
# this module again in each of them (as `__mp_main__`).
if __name__ == "__main__":
    raise SystemExit(main())
