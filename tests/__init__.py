"""wirogen's tests, one folder per part (each folder's `__init__` says what it proves).

`make test` runs them all (`make test-quick`: all but those needing redis-server or
Chromium); `test_layers.py` holds the package layout to its layers and `test_packaging.py`
the cost of what is installed.
"""
