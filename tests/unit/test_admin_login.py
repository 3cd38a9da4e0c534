"""The staff login (README, Security): passwords compared in constant time, through
hmac.compare_digest, and every failed attempt slowed down more, up to a cap."""

from __future__ import annotations

import hmac

import pytest
from pydantic import SecretStr

import ui.admin
from ui.admin import LoginGate

PASSWORD = "correct horse battery staple"


@pytest.fixture
def sleeps(monkeypatch) -> list[float]:
    """The delays the gate asks for, recorded instead of slept."""
    asked: list[float] = []
    monkeypatch.setattr(ui.admin.time, "sleep", asked.append)
    return asked


def test_the_comparison_goes_through_compare_digest(monkeypatch, sleeps):
    calls: list[tuple[bytes, bytes]] = []
    compare = hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return compare(a, b)

    monkeypatch.setattr(ui.admin.hmac, "compare_digest", spy)
    gate = LoginGate(SecretStr(PASSWORD))
    assert gate.check(PASSWORD, "127.0.0.1") is True
    assert gate.check("guess", "127.0.0.1") is False
    assert calls == [(PASSWORD.encode(), PASSWORD.encode()), (b"guess", PASSWORD.encode())]
    # The verdict is compare_digest's: a gate that compared some other way would differ here.
    monkeypatch.setattr(ui.admin.hmac, "compare_digest", lambda a, b: False)
    assert gate.check(PASSWORD, "127.0.0.1") is False


def test_failed_logins_are_slowed_down_more_each_time_up_to_a_cap(sleeps):
    gate = LoginGate(SecretStr(PASSWORD), step_s=0.5, max_delay_s=1.2)
    for _ in range(4):
        assert gate.check("wrong", "10.0.0.9") is False
    assert sleeps == [0.5, 1.0, 1.2, 1.2]
    assert gate.check(PASSWORD, "10.0.0.9") is True
    assert sleeps == [0.5, 1.0, 1.2, 1.2]  # a right password is not delayed ...
    gate.check("wrong", "10.0.0.9")
    assert sleeps[-1] == 0.5  # ... and starts the count again
