"""A system tool missing on a developer's machine skips its tests; in CI it fails them, so a
green CI run has really driven the browser, the Chroma server and chattr."""

from __future__ import annotations

import pytest

import tests.conftest
from tests.conftest import require


def test_missing_tool_skips_outside_ci(monkeypatch):
    monkeypatch.setattr(tests.conftest, "IN_CI", False)
    with pytest.raises(pytest.skip.Exception, match="needs chromium"):
        require(False, "needs chromium")


def test_missing_tool_fails_in_ci(monkeypatch):
    monkeypatch.setattr(tests.conftest, "IN_CI", True)
    with pytest.raises(pytest.fail.Exception, match=r"needs chromium.*\.ci/run must install"):
        require(False, "needs chromium")


def test_present_tool_runs_the_test(monkeypatch):
    monkeypatch.setattr(tests.conftest, "IN_CI", True)
    require(True, "needs chromium")  # neither skips nor fails
