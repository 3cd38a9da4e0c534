"""compose.yaml (docs/deploy.md) stays in step with Settings: every FA_* variable it sets is
a real setting with a valid value, and every app instance talks to the Chroma service."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml

from assistant.config import ENV_PREFIX, Settings, load_settings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "compose.yaml"
FA_NAME = re.compile(rf"\b{ENV_PREFIX}[A-Z0-9_]+\b")
INTERPOLATION = re.compile(r"\$\{(\w+)(?::?[-?])?([^}]*)\}")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


def environment(service: dict) -> dict[str, str]:
    """A service's environment as a mapping, whichever of compose's two forms it uses."""
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {str(k): "" if v is None else str(v) for k, v in env.items()}


def interpolated(value: str) -> str:
    """`${VAR:-default}` -> default, `${VAR:?message}` -> a stand-in: what compose would pass."""
    return INTERPOLATION.sub(
        lambda m: m.group(2) if m.group(0).startswith(f"${{{m.group(1)}:-") else "stand-in",
        value,
    )


def app_services(compose: dict) -> dict[str, dict]:
    return {
        name: service
        for name, service in compose["services"].items()
        if any(key.startswith(ENV_PREFIX) for key in environment(service))
    }


def test_every_fa_variable_is_a_setting(compose):
    fields = set(Settings.model_fields)
    used = set(FA_NAME.findall(COMPOSE.read_text(encoding="utf-8")))
    for service in compose["services"].values():
        used |= {key for key in environment(service) if key.startswith(ENV_PREFIX)}
    assert used, "compose.yaml sets no FA_* variable"
    unknown = sorted(n for n in used if n.removeprefix(ENV_PREFIX).lower() not in fields)
    assert not unknown, f"not fields of Settings: {unknown}"


def test_app_environments_are_valid_settings(compose, monkeypatch):
    for name, service in app_services(compose).items():
        for key in list(Settings.model_fields):
            monkeypatch.delenv(f"{ENV_PREFIX}{key.upper()}", raising=False)
        for key, value in environment(service).items():
            monkeypatch.setenv(key, interpolated(value))
        settings = load_settings()
        assert settings.host == "0.0.0.0", f"{name} must listen beyond its container"
        assert settings.answerer == "openai" and settings.openai_base_url, name


def test_apps_point_at_the_chroma_service(compose):
    services = compose["services"]
    chroma = services["chroma"]
    command = chroma["command"]
    command = command if isinstance(command, list) else command.split()
    assert command[:2] == ["chroma", "run"]
    port = int(command[command.index("--port") + 1])
    apps = app_services(compose)
    assert {"app", "admin"} <= set(apps)
    for name, service in apps.items():
        url = urlparse(environment(service)["FA_CHROMA_URL"])
        assert (url.scheme, url.hostname, url.port) == ("http", "chroma", port), name
        assert "chroma" in service.get("depends_on", {}), name


def test_replicas_share_one_llm_and_only_admin_has_the_staff_page(compose):
    services = compose["services"]
    apps = app_services(compose)
    assert services["app"]["deploy"]["replicas"] >= 2
    llm_urls = {environment(s)["FA_OPENAI_BASE_URL"] for s in apps.values()}
    assert len(llm_urls) == 1 and urlparse(llm_urls.pop()).hostname in services
    with_password = {n for n, s in apps.items() if "FA_ADMIN_PASSWORD" in environment(s)}
    assert with_password == {"admin"}
