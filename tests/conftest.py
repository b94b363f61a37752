"""Test set-up lives in tests/pytest_setup.py, loaded as a plugin before collection so that
it also applies to the doctests of kerasgan/."""
