"""Staff sessions (signed cookie, idle expiry, logout) and the login limits, on a fake clock."""

from __future__ import annotations

import logging

from pydantic import SecretStr

from ui.staff_auth import LoginGate, StaffSessions

PASSWORD = "s3cret-staff-pass"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_session_expires_when_idle_and_use_keeps_it_alive():
    clock = Clock()
    sessions = StaffSessions(idle_s=60, clock=clock)
    cookie = sessions.start()
    clock.now += 50
    assert sessions.check(cookie)
    clock.now += 50  # 100 s after login, 50 s after last use
    assert sessions.check(cookie)
    clock.now += 61
    assert not sessions.check(cookie)  # expired
    assert not sessions.check(cookie)  # and stays expired


def test_logout_forged_and_foreign_cookies_are_refused():
    sessions = StaffSessions(idle_s=60)
    cookie = sessions.start()
    # The signature's first character: its last one holds padding bits that may not count.
    signed, _, signature = cookie.rpartition(".")
    forged = f"{signed}.{'A' if signature[0] != 'A' else 'B'}{signature[1:]}"
    assert not sessions.check(forged)
    assert not sessions.check(StaffSessions(idle_s=60).start())  # signed by another process
    assert not sessions.check(None) and not sessions.check("")
    sessions.end(cookie)
    assert not sessions.check(cookie)


def gate(clock: Clock, **limits) -> LoginGate:
    return LoginGate(SecretStr(PASSWORD), clock=clock, **limits)


def test_an_address_waits_after_each_failure_then_is_locked(caplog):
    caplog.set_level(logging.INFO)
    clock = Clock()
    login = gate(clock, max_failures=3, window_s=900)
    assert not login.check("guess", "10.0.0.9").ok
    too_soon = login.check(PASSWORD, "10.0.0.9")
    assert not too_soon.ok and too_soon.retry_after_s >= 1  # not even checked
    clock.now += 1.1
    assert not login.check("guess", "10.0.0.9").ok
    clock.now += 2.1
    assert not login.check("guess", "10.0.0.9").ok  # third failure: locked
    clock.now += 600
    locked = login.check(PASSWORD, "10.0.0.9")
    assert not locked.ok and "Too many wrong passwords" in locked.message
    lockouts = [r for r in caplog.records if "locked" in r.getMessage()]
    assert len(lockouts) == 1 and "10.0.0.9" in lockouts[0].getMessage()
    assert all(PASSWORD not in r.getMessage() for r in caplog.records)
    clock.now += 301
    assert login.check(PASSWORD, "10.0.0.9").ok  # the window has passed


def test_the_staff_member_logs_in_during_an_attack_and_resets_nothing_of_it():
    clock = Clock()
    login = gate(clock, max_failures=10, window_s=900)
    for _ in range(4):
        assert not login.check("guess", "6.6.6.6").ok
        clock.now += 100
    assert login.check(PASSWORD, "10.1.1.1").ok  # another address: at once
    assert not login.check("guess", "6.6.6.6").ok
    too_soon = login.check("guess", "6.6.6.6")
    assert too_soon.retry_after_s > 8  # the attacker's backoff went on growing (2**4 s)


def test_a_global_cap_limits_guesses_from_many_addresses():
    clock = Clock()
    login = gate(clock, global_per_minute=5, max_failures=100)
    for n in range(20):
        login.check("guess", f"10.0.0.{n}")  # first guesses are always checked
    clock.now += 1.5
    checked = sum(
        1 for n in range(20) if "Wrong password" in login.check("guess", f"10.0.0.{n}").message
    )
    assert checked == 5
    assert login.check(PASSWORD, "192.168.1.1").ok  # a clean address is never capped
