"""Markers shared by every test folder (a browser test may live beside the module it checks)."""
import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "browser: real app in Chromium (slower; needs /usr/bin/chromium)")
