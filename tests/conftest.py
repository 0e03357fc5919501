"""Shared fixtures. Integration helpers live in tests/support.py."""
