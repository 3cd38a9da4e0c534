"""Staff credentials: a signed session cookie, and the limits on password guessing.

The Gradio session hash travels in URLs and anyone who presents it is that session, so it
is never the credential. A login sets an HttpOnly, SameSite=Strict cookie holding a signed
random id; the server keeps each id's last use, so an idle session expires and a logout
invalidates the cookie even if someone kept a copy.
"""

from __future__ import annotations

import hmac
import logging
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from itsdangerous import BadSignature, URLSafeSerializer
from pydantic import SecretStr

if TYPE_CHECKING:
    from assistant.config import Settings

logger = logging.getLogger(__name__)
audit = logging.getLogger("flanders.audit")
audit.setLevel(logging.INFO)  # staff actions are the audit trail: shown at any root level

COOKIE = "fa_staff"
MAX_TRACKED_ADDRESSES = 10_000


class StaffSessions:
    """Logged-in staff sessions of this process, each expiring after `idle_s` unused."""

    def __init__(self, idle_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.idle_s = idle_s
        self._clock = clock
        self._signer = URLSafeSerializer(secrets.token_bytes(32), salt="fa-staff-session")
        self._last_used: dict[str, float] = {}
        self._lock = threading.Lock()

    def start(self) -> str:
        """A new session; returns the cookie value."""
        session_id = secrets.token_urlsafe(32)
        with self._lock:
            self._last_used[session_id] = self._clock()
        return self._signer.dumps(session_id)

    def check(self, cookie: str | None) -> bool:
        """True for the cookie of a live session, whose idle time then starts again."""
        session_id = self._session_id(cookie)
        now = self._clock()
        with self._lock:
            for stale in [s for s, t in self._last_used.items() if now - t > self.idle_s]:
                del self._last_used[stale]
            if session_id not in self._last_used:
                return False
            self._last_used[session_id] = now
            return True

    def end(self, cookie: str | None) -> None:
        """Log out: the cookie is worthless from now on, wherever a copy of it is."""
        with self._lock:
            self._last_used.pop(self._session_id(cookie) or "", None)

    def _session_id(self, cookie: str | None) -> str | None:
        try:
            value = self._signer.loads(cookie or "")
        except BadSignature:
            return None
        return value if isinstance(value, str) else None


@dataclass
class Verdict:
    """What a login attempt got: in or not, whether the password was even compared, a
    message for the person, seconds to wait."""

    ok: bool
    checked: bool
    message: str
    retry_after_s: float = 0.0


@dataclass
class _Address:
    failures: deque[float] = field(default_factory=deque)
    locked_until: float = 0.0


class LoginGate:
    """Checks passwords, with limits that hurt an attacker and not the staff member.

    Per client address: after each failure the next guess must wait (doubling, capped), and
    `max_failures` within `window_s` lock the address for `window_s`. Another address's
    success resets nothing. Across addresses with failures, at most `global_per_minute`
    guesses are checked a minute; an address with no recent failure is always checked, so
    a legitimate login during an attack is unaffected.
    """

    def __init__(
        self,
        password: SecretStr,
        *,
        max_failures: int = 10,
        window_s: float = 900.0,
        global_per_minute: int = 30,
        step_s: float = 1.0,
        max_delay_s: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._password = password.get_secret_value().encode()
        self.max_failures, self.window_s = max_failures, window_s
        self.global_per_minute = global_per_minute
        self.step_s, self.max_delay_s = step_s, max_delay_s
        self._clock = clock
        self._addresses: dict[str, _Address] = {}
        self._suspect_guesses: deque[float] = deque()
        self._lock = threading.Lock()

    def check(self, attempt: str, client: str) -> Verdict:
        """Judge one attempt from `client`; the password text is never logged."""
        now = self._clock()
        with self._lock:
            if len(self._addresses) > MAX_TRACKED_ADDRESSES:
                self._forget_quiet(now)
            state = self._addresses.setdefault(client, _Address())
            while state.failures and now - state.failures[0] > self.window_s:
                state.failures.popleft()
            while self._suspect_guesses and now - self._suspect_guesses[0] > 60:
                self._suspect_guesses.popleft()
            if state.locked_until > now:
                return self._refused(state.locked_until - now, "locked")
            if state.failures:
                wait = min(self.step_s * 2 ** (len(state.failures) - 1), self.max_delay_s)
                if now - state.failures[-1] < wait:
                    return self._refused(wait - (now - state.failures[-1]), "slow down")
                if len(self._suspect_guesses) >= self.global_per_minute:
                    return self._refused(60 - (now - self._suspect_guesses[0]), "busy")
                self._suspect_guesses.append(now)
            ok = hmac.compare_digest((attempt or "").encode(), self._password)
            if ok:
                self._addresses.pop(client, None)
                audit.info("Staff login from %s", client)
                return Verdict(True, True, "Logged in.")
            state.failures.append(now)
            failures = len(state.failures)
            if failures >= self.max_failures:
                state.locked_until = now + self.window_s
                audit.warning(
                    "Staff login locked for %s: %d wrong passwords in %.0f min",
                    client,
                    failures,
                    self.window_s / 60,
                )
            else:
                audit.warning("Staff login refused from %s (failure %d)", client, failures)
        wait = min(self.step_s * 2 ** (failures - 1), self.max_delay_s)
        return Verdict(False, True, "Wrong password.", wait)

    def _forget_quiet(self, now: float) -> None:
        """Drop addresses with no failure in the window and no lock: bounded memory under
        guesses from very many addresses."""
        for client, state in list(self._addresses.items()):
            if state.locked_until <= now and (
                not state.failures or now - state.failures[-1] > self.window_s
            ):
                del self._addresses[client]

    @staticmethod
    def _refused(wait_s: float, why: str) -> Verdict:
        wait_s = max(1.0, wait_s)
        messages = {
            "locked": "Too many wrong passwords from this address; "
            f"try again in {max(1, round(wait_s / 60))} min.",
            "slow down": f"Wait {wait_s:.0f} s before trying again.",
            "busy": f"Too many login attempts right now; try again in {wait_s:.0f} s.",
        }
        return Verdict(False, False, messages[why], wait_s)


@dataclass
class StaffAccess:
    """The staff page's credentials: who is logged in, and who may try."""

    sessions: StaffSessions
    gate: LoginGate

    @classmethod
    def from_settings(cls, settings: Settings) -> StaffAccess | None:
        """None when this instance serves no staff page (no password, or FA_STAFF_UI=off)."""
        if settings.admin_password is None or settings.staff_ui == "off":
            return None
        gate = LoginGate(
            settings.admin_password,
            max_failures=settings.login_max_failures,
            window_s=settings.login_window_minutes * 60,
            global_per_minute=settings.login_global_per_minute,
        )
        return cls(StaffSessions(settings.admin_session_minutes * 60), gate)
