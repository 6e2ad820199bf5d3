"""Issue 23 item 4: a setting changed in the REPL applies at once: `/config get` and
`/status` show the new value, not the launch's."""

from __future__ import annotations

from pathlib import Path

import pytest

from solcoder.cli.build import build
from solcoder.cli.interactive import make_host
from solcoder.config import load_settings


def test_config_set_then_get_and_status_show_the_new_value(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    monkeypatch.setenv("SOLCODER_HOME", str(home))
    monkeypatch.delenv("SOLCODER_LLM_MAX_STEPS", raising=False)
    monkeypatch.chdir(tmp_path)
    settings = load_settings(cwd=tmp_path, home=home, overrides={"llm.offline_mode": True})
    built = build(settings, api_key_flag=None, file_tools=False)
    host = make_host(settings, built.conversation.orchestrator.registry, built.conversation)
    assert host.set_setting is not None and host.get_setting is not None
    assert host.status is not None
    host.set_setting("llm.max_steps", "5")
    assert host.get_setting("llm.max_steps").startswith("5 ")
    rows = dict(host.status())
    assert "up to 5 steps a turn" in rows["budget"], rows
