"""ASGI middleware in front of Gradio: request-size caps and the staff login routes.

Gradio reads a whole request body into memory (and a question into session state) before
any handler can check its length, so oversized bodies are refused here, before they reach
anything. The staff cookie can only be set by an HTTP response, which Gradio's queued
events never give: `POST …/staff/login` and `…/staff/logout` are answered here too, and
Gradio's upload route serves logged-in staff only.
"""

from __future__ import annotations

import json
from http.cookies import CookieError, SimpleCookie
from urllib.parse import parse_qs

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ui.staff_auth import COOKIE, StaffAccess, audit

UPLOAD_SUFFIX = "/gradio_api/upload"
LOGIN_SUFFIX = "/staff/login"
LOGOUT_SUFFIX = "/staff/logout"
LOGIN_BODY_BYTES = 4096


def client_address(scope: Scope) -> str:
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


def cookie_of(headers: dict[str, str]) -> str | None:
    """The staff cookie from a Cookie header, if any."""
    jar = SimpleCookie()
    try:
        jar.load(headers.get("cookie", ""))
    except CookieError:  # a malformed Cookie header is simply no cookie
        return None
    morsel = jar.get(COOKIE)
    return morsel.value if morsel else None


class TooLarge(Exception):
    """The body passed its cap while being read."""


class RequestGuard:
    """Caps request bodies; answers the staff login/logout routes; gates uploads."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_body_bytes: int,
        max_upload_bytes: int,
        staff: StaffAccess | None,
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.max_upload_bytes = max_upload_bytes
        self.staff = staff

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        path = scope["path"].rstrip("/")
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        staff = self.staff
        if staff is not None and path.endswith(LOGIN_SUFFIX):
            await self._login(staff, scope, receive, send, headers)
            return
        if staff is not None and path.endswith(LOGOUT_SUFFIX):
            staff.sessions.end(cookie_of(headers))
            audit.info("Staff logout from %s", client_address(scope))
            await _respond(send, 200, {"ok": True, "message": "Logged out."}, clear_cookie=True)
            return
        limit = self.max_body_bytes
        if path.endswith(UPLOAD_SUFFIX):
            if staff is None or not staff.sessions.check(cookie_of(headers)):
                audit.warning(
                    "Upload refused from %s: not logged in as staff", client_address(scope)
                )
                await _respond(send, 403, {"error": "Uploads are for logged-in staff only."})
                return
            limit = self.max_upload_bytes
        try:
            body = await _read_body(receive, headers, limit)
        except TooLarge:
            await _respond(send, 413, {"error": f"Request over {limit:,} bytes refused."})
            return
        await self.app(scope, _replay(body, receive), send)

    async def _login(
        self, staff: StaffAccess, scope: Scope, receive: Receive, send: Send, headers: dict
    ) -> None:
        try:
            body = await _read_body(receive, headers, LOGIN_BODY_BYTES)
        except TooLarge:
            await _respond(send, 413, {"ok": False, "message": "Request too large."})
            return
        attempt = (parse_qs(body.decode("utf-8", "replace")).get("password") or [""])[0]
        verdict = staff.gate.check(attempt, client_address(scope))
        if not verdict.ok:
            status = 401 if verdict.checked else 429
            extra = [(b"retry-after", str(int(verdict.retry_after_s + 0.999)).encode())]
            await _respond(send, status, {"ok": False, "message": verdict.message}, extra)
            return
        cookie = staff.sessions.start()
        secure = scope.get("scheme") == "https" or headers.get("x-forwarded-proto") == "https"
        value = f"{COOKIE}={cookie}; Path=/; HttpOnly; SameSite=Strict" + (
            "; Secure" if secure else ""
        )
        await _respond(
            send, 200, {"ok": True, "message": verdict.message}, [(b"set-cookie", value.encode())]
        )


async def _read_body(receive: Receive, headers: dict[str, str], limit: int) -> bytes:
    """The whole body, refusing it as soon as it is known to pass `limit` bytes."""
    declared = headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise TooLarge
    parts: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise TooLarge
        parts.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(parts)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A receive() that hands the already read body to the app, then passes on the client's
    own messages (a disconnect)."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def _respond(
    send: Send,
    status: int,
    payload: dict,
    extra_headers: list[tuple[bytes, bytes]] | None = None,
    *,
    clear_cookie: bool = False,
) -> None:
    body = json.dumps(payload).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"cache-control", b"no-store"),
        *(extra_headers or []),
    ]
    if clear_cookie:
        headers.append(
            (b"set-cookie", f"{COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict".encode())
        )
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
