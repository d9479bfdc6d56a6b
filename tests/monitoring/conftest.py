"""Monitoring fixtures live in tests/conftest.py; this re-export keeps the type name importable."""

from tests.conftest import MakeRound

__all__ = ["MakeRound"]
