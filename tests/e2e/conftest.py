"""Fixtures shared by the e2e tests: those of the in-process browser tests."""

from tests.support.in_process_web import tab, web

__all__ = ["tab", "web"]
