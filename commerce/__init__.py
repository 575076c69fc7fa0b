"""The storelink domain: plain Python, no I/O libraries (see tests/unit/test_layering.py)."""
