"""The staff login (README, Security): passwords compared in constant time, through
hmac.compare_digest. (Slow-down and lockout: tests/unit/test_staff_auth.py.)"""

from __future__ import annotations

import hmac

from pydantic import SecretStr

import ui.staff_auth
from ui.staff_auth import LoginGate

PASSWORD = "correct horse battery staple"


def test_the_comparison_goes_through_compare_digest(monkeypatch):
    calls: list[tuple[bytes, bytes]] = []
    compare = hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return compare(a, b)

    monkeypatch.setattr(ui.staff_auth.hmac, "compare_digest", spy)
    gate = LoginGate(SecretStr(PASSWORD), step_s=0.0)
    assert gate.check(PASSWORD, "127.0.0.1").ok
    assert not gate.check("guess", "127.0.0.2").ok
    assert calls == [(PASSWORD.encode(), PASSWORD.encode()), (b"guess", PASSWORD.encode())]
    # The verdict is compare_digest's: a gate that compared some other way would differ here.
    monkeypatch.setattr(ui.staff_auth.hmac, "compare_digest", lambda a, b: False)
    assert not gate.check(PASSWORD, "127.0.0.3").ok
