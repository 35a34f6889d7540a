"""`python -m mockserver`: same as `wiro-mock`."""

from mockserver.cli import main

raise SystemExit(main())
