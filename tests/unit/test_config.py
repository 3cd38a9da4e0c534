from __future__ import annotations

import pytest

from assistant.config import SettingsError, load_settings


def test_defaults_use_packaged_model_offline(monkeypatch):
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    settings = load_settings()
    assert settings.embedding_model_path.endswith("model")
    assert settings.corpus_dir.name == "corpus"
    import os

    assert os.environ["HF_HUB_OFFLINE"] == "1"


def test_invalid_setting_names_the_variable(monkeypatch):
    monkeypatch.setenv("FA_CHUNK_TOKENS", "9999")
    with pytest.raises(SettingsError, match="FA_CHUNK_TOKENS"):
        load_settings()


def test_unknown_backend_rejected(monkeypatch):
    monkeypatch.setenv("FA_ANSWERER", "gpt-magic")
    with pytest.raises(SettingsError, match="FA_ANSWERER"):
        load_settings()


def test_environment_overrides_defaults(monkeypatch, tmp_path):
    monkeypatch.setenv("FA_DATA_DIR", str(tmp_path))
    assert load_settings().data_dir == tmp_path
