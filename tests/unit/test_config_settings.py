"""The settings registry, precedence of the five levels, environment and flag parsing."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import pytest

from solcoder.config import (
    SETTINGS,
    LLMSettings,
    Settings,
    closest_keys,
    find_project_config,
    load_settings,
)
from solcoder.config.schema import SECTIONS
from solcoder.errors import UsageError

EXPECTED_DEFAULTS: dict[str, object] = {
    "llm.provider": "openai",
    "llm.model": "",
    "llm.base_url": "",
    "llm.api": "",
    "llm.timeout": 900.0,
    "llm.connect_timeout": 10.0,
    "llm.first_event_timeout": 120.0,
    "llm.idle_timeout": 120.0,
    "llm.max_retries": 2,
    "llm.offline_mode": False,
    "llm.offline_fallback": False,
    "llm.max_steps": 8,
    "llm.tool_timeout": 60.0,
    "llm.max_tool_calls_per_step": 32,
    "llm.max_tool_argument_bytes": 1048576,
    "llm.max_output_tokens": 4096,
    "llm.local_max_tokens": 256,
    "llm.local_context": 8192,
    "llm.compact_at": "80",
    "llm.max_session_tokens": 0,
    "llm.max_session_cost_usd": 0.0,
    "llm.prompt_cache": True,
    "llm.cache_ttl": "5m",
    "llm.temperature": None,
    "llm.reasoning": "off",
    "llm.reasoning_budget": 0,
    "llm.project_instructions": True,
    "llm.project_instructions_bytes": 32 * 1024,
    "ui.show_thinking": True,
    "telemetry.enabled": True,
    "telemetry.store_text": False,
    "sessions.keep": 20,
    "approval.allow": (),
    "approval.ask": (),
    "approval.deny": (),
    "tools.approve_edits": False,
    "tools.sandbox": "workspace-write",
    "tools.network": False,
    "tools.command_timeout": 120.0,
    "tools.max_command_timeout": 600.0,
    "mcp.startup_timeout": 10.0,
}


@pytest.fixture(autouse=True)
def _no_solcoder_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("SOLCODER_"):
            monkeypatch.delenv(name)


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    (root / "src" / "deep").mkdir(parents=True)
    return root


def write_config(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def load(home: Path, cwd: Path, **kwargs: object) -> Settings:
    kwargs.setdefault("environ", {})
    return load_settings(home=home, cwd=cwd, **kwargs)  # type: ignore[arg-type]


def non_default_text(key: str) -> str:
    """A valid textual value for `key` that differs from its default."""
    spec = SETTINGS[key]
    if spec.kind == "bool":
        return "false" if spec.default else "true"
    if spec.choices:
        return spec.choices[-1]
    if spec.url:
        return "http://127.0.0.1:8080/v1"
    if spec.percent:
        return "off"
    if spec.kind == "str":
        return "something-else"
    if spec.kind == "patterns":
        return "time__*,deploy_program"
    if spec.default is None:
        return "0.5"
    return str(int(spec.default) + 1)  # type: ignore[call-overload]


# registry ---------------------------------------------------------------------------------


def test_registry_has_exactly_the_documented_keys_and_defaults() -> None:
    assert {key: spec.default for key, spec in SETTINGS.items()} == EXPECTED_DEFAULTS


@pytest.mark.parametrize("key", list(SETTINGS))
def test_every_setting_is_documented_and_its_default_is_valid(key: str) -> None:
    spec = SETTINGS[key]
    assert spec.doc.endswith(".")
    assert spec.check(spec.default) == spec.default
    assert spec.env_names[0] == "SOLCODER_" + key.replace(".", "_").upper()


def test_registry_matches_section_dataclasses() -> None:
    from_dataclasses = {
        f"{section}.{item.name}"
        for section, section_class in SECTIONS.items()
        for item in dataclasses.fields(section_class)
    }
    assert from_dataclasses == set(SETTINGS)


def test_defaults_when_nothing_is_configured(home: Path, project: Path) -> None:
    settings = load(home, project)
    assert dict(settings.items()) == EXPECTED_DEFAULTS
    assert all(settings.source(key) == "default" for key in SETTINGS)
    assert settings.llm == LLMSettings()
    assert settings.llm.timeout == 900.0
    assert settings.ui.show_thinking is True
    assert settings.providers == {}
    assert settings.warnings == []
    assert settings.home == home
    assert settings.user_config_path == home / "config.toml"
    assert settings.project_config_path is None


def test_get_and_source_reject_unknown_keys_with_suggestions(home: Path, project: Path) -> None:
    settings = load(home, project)
    with pytest.raises(UsageError, match=r"llm\.model") as caught:
        settings.get("llm.modle")
    assert "solcoder config list" in str(caught.value)
    with pytest.raises(UsageError, match="Unknown setting"):
        settings.source("nothing.here")


def test_closest_keys() -> None:
    assert closest_keys("llm.modle")[0] == "llm.model"
    assert closest_keys("timeout")[0] == "llm.timeout"
    assert closest_keys("ui.show_thinkng") == ["ui.show_thinking"]
    assert closest_keys("zzzzzz") == []


# precedence -------------------------------------------------------------------------------


def test_each_level_beats_the_next(home: Path, project: Path) -> None:
    user = write_config(home / "config.toml", '[llm]\nmodel = "from-user"\n')
    project_file = write_config(
        project / ".solcoder" / "config.toml", '[llm]\nmodel = "from-project"\n'
    )
    cwd = project / "src" / "deep"
    environ = {"SOLCODER_LLM_MODEL": "from-env"}
    flags = {"llm.model": "from-flag"}

    levels = [
        ({"overrides": flags, "environ": environ}, "from-flag", "flag"),
        ({"environ": environ}, "from-env", "env:SOLCODER_LLM_MODEL"),
        ({}, "from-project", f"project:{project_file}"),
    ]
    for kwargs, value, source in levels:
        settings = load(home, cwd, **kwargs)
        assert (settings.llm.model, settings.source("llm.model")) == (value, source)

    project_file.unlink()
    settings = load(home, cwd)
    assert (settings.llm.model, settings.source("llm.model")) == ("from-user", f"user:{user}")
    user.unlink()
    settings = load(home, cwd)
    assert (settings.llm.model, settings.source("llm.model")) == ("", "default")


def test_levels_merge_key_by_key(home: Path, project: Path) -> None:
    write_config(home / "config.toml", "[llm]\nmax_steps = 3\ntimeout = 30\n")
    write_config(project / ".solcoder" / "config.toml", "[llm]\ntimeout = 40\n")
    settings = load(home, project, environ={"SOLCODER_LLM_MAX_RETRIES": "5"})
    assert settings.llm.max_steps == 3
    assert settings.llm.timeout == 40.0
    assert settings.llm.max_retries == 5
    assert settings.llm.provider == "openai"


def test_nearest_project_config_wins(home: Path, project: Path) -> None:
    write_config(project / ".solcoder" / "config.toml", "[sessions]\nkeep = 1\n")
    inner = write_config(project / "src" / ".solcoder" / "config.toml", "[sessions]\nkeep = 2\n")
    settings = load(home, project / "src" / "deep")
    assert settings.sessions.keep == 2
    assert settings.project_config_path == inner


def test_solcoder_dir_without_config_is_skipped(home: Path, project: Path) -> None:
    outer = write_config(project / ".solcoder" / "config.toml", "[sessions]\nkeep = 1\n")
    (project / "src" / ".solcoder").mkdir()  # e.g. only session data, no config
    assert find_project_config(project / "src" / "deep") == outer


def test_user_config_in_default_place_is_not_a_project_config(tmp_path: Path) -> None:
    # With home = ~/.solcoder, walking up from ~/code reaches ~/.solcoder/config.toml.
    user_home = tmp_path / "me"
    write_config(user_home / ".solcoder" / "config.toml", "[sessions]\nkeep = 7\n")
    (user_home / "code").mkdir()
    settings = load(user_home / ".solcoder", user_home / "code")
    assert settings.project_config_path is None
    assert settings.source("sessions.keep").startswith("user:")


def test_provider_tables_merge_project_over_user(home: Path, project: Path) -> None:
    write_config(
        home / "config.toml",
        '[providers.local]\napi = "chat"\nbase_url = "http://127.0.0.1:1/v1"\nmodel = "a"\n',
    )
    write_config(project / ".solcoder" / "config.toml", '[providers.local]\nmodel = "b"\n')
    settings = load(home, project)
    assert settings.providers == {
        "local": {"api": "chat", "base_url": "http://127.0.0.1:1/v1", "model": "b"}
    }


def test_providers_pass_through_to_resolve_spec(home: Path, project: Path) -> None:
    from solcoder.llm.catalog.providers import resolve_spec

    write_config(
        home / "config.toml",
        '[providers.local]\nbase_url = "http://127.0.0.1:9/v1/"\nkey_env = "LOCAL_KEY"\n'
        'headers = { X-Test = "1" }\n',
    )
    spec = resolve_spec("local", load(home, project).providers)
    assert spec.base_url == "http://127.0.0.1:9/v1"
    assert spec.key_env == ("LOCAL_KEY",)
    assert dict(spec.headers) == {"X-Test": "1"}


def test_project_file_redirecting_requests_is_warned_about(home: Path, project: Path) -> None:
    path = write_config(
        project / ".solcoder" / "config.toml",
        '[llm]\nbase_url = "http://evil.example/v1"\n[providers.openai]\nkey_env = "AWS_X"\n',
    )
    warnings = load(home, project).warnings
    assert len(warnings) == 1
    assert str(path) in warnings[0]
    assert "llm.base_url" in warnings[0]
    assert "providers.openai.key_env" in warnings[0]
    # The same settings in the user's own file are the user's choice: no warning.
    home.mkdir()
    path.rename(home / "config.toml")
    assert load(home, project).warnings == []


# home -------------------------------------------------------------------------------------


def test_home_from_environment_and_parameter(tmp_path: Path, project: Path) -> None:
    from_env = load_settings(environ={"SOLCODER_HOME": str(tmp_path / "env-home")}, cwd=project)
    assert from_env.home == tmp_path / "env-home"
    relative = load_settings(environ={"SOLCODER_HOME": "rel"}, cwd=project)
    assert relative.home == project / "rel"
    given = load_settings(
        environ={"SOLCODER_HOME": str(tmp_path / "env-home")}, cwd=project, home=tmp_path / "p"
    )
    assert given.home == tmp_path / "p"


def test_home_defaults_to_dot_solcoder(
    tmp_path: Path, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "user"))
    settings = load_settings(environ={"SOLCODER_HOME": ""}, cwd=project)
    assert settings.home == tmp_path / "user" / ".solcoder"
    assert settings.user_config_path == tmp_path / "user" / ".solcoder" / "config.toml"


def test_process_environment_is_the_default(
    home: Path, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOLCODER_LLM_PROVIDER", "anthropic")
    monkeypatch.chdir(project)
    settings = load_settings(home=home)
    assert settings.llm.provider == "anthropic"
    assert settings.source("llm.provider") == "env:SOLCODER_LLM_PROVIDER"


# environment ------------------------------------------------------------------------------


@pytest.mark.parametrize("key", list(SETTINGS))
def test_every_key_has_a_solcoder_section_key_variable(home: Path, project: Path, key: str) -> None:
    variable = "SOLCODER_" + key.replace(".", "_").upper()
    settings = load(home, project, environ={variable: non_default_text(key)})
    assert settings.source(key) == f"env:{variable}"
    assert settings.get(key) != SETTINGS[key].default


@pytest.mark.parametrize(
    ("variable", "key", "text", "value"),
    [
        ("SOLCODER_TIMEOUT", "llm.timeout", "30", 30.0),
        ("SOLCODER_MAX_RETRIES", "llm.max_retries", "0", 0),
        ("SOLCODER_OFFLINE_MODE", "llm.offline_mode", "1", True),
        ("SOLCODER_OFFLINE_FALLBACK", "llm.offline_fallback", "yes", True),
        ("SOLCODER_LLM_API", "llm.api", " Responses ", "responses"),
        ("SOLCODER_LLM_BASE_URL", "llm.base_url", "http://127.0.0.1:8080/v1", None),
        ("SOLCODER_LLM_TEMPERATURE", "llm.temperature", "0.2", 0.2),
    ],
)
def test_documented_variables(
    home: Path, project: Path, variable: str, key: str, text: str, value: object
) -> None:
    settings = load(home, project, environ={variable: text})
    assert settings.get(key) == (text if value is None else value)
    assert settings.source(key) == f"env:{variable}"


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1", True),
        ("true", True),
        ("TRUE", True),
        ("Yes", True),
        ("on", True),
        ("0", False),
        ("false", False),
        ("No", False),
        ("OFF", False),
    ],
)
def test_boolean_words(home: Path, project: Path, text: str, value: bool) -> None:
    settings = load(home, project, environ={"SOLCODER_UI_SHOW_THINKING": text})
    assert settings.ui.show_thinking is value


def test_bad_boolean_names_variable_and_accepted_values(home: Path, project: Path) -> None:
    with pytest.raises(UsageError) as caught:
        load(home, project, environ={"SOLCODER_OFFLINE_MODE": "maybe"})
    message = str(caught.value)
    assert "SOLCODER_OFFLINE_MODE" in message
    assert "'maybe'" in message
    for word in ("1", "0", "true", "false", "yes", "no", "on", "off"):
        assert word in message
    assert caught.value.exit_code == 2


@pytest.mark.parametrize(
    ("variable", "text", "expected"),
    [
        ("SOLCODER_LLM_TIMEOUT", "soon", "a number greater than 0"),
        ("SOLCODER_LLM_TIMEOUT", "0", "a number greater than 0"),
        ("SOLCODER_LLM_TIMEOUT", "-5", "a number greater than 0"),
        ("SOLCODER_LLM_TIMEOUT", "inf", "a number greater than 0"),
        ("SOLCODER_LLM_TIMEOUT", "nan", "a number greater than 0"),
        ("SOLCODER_MAX_RETRIES", "11", "an integer from 0 to 10"),
        ("SOLCODER_MAX_RETRIES", "2.5", "an integer from 0 to 10"),
        ("SOLCODER_LLM_MAX_STEPS", "0", "an integer from 1 to 100"),
        ("SOLCODER_SESSIONS_KEEP", "-1", "an integer, 0 or more"),
        ("SOLCODER_LLM_MAX_SESSION_COST_USD", "-0.5", "a number, 0 or more"),
        ("SOLCODER_LLM_TEMPERATURE", "3", "a number from 0 to 2"),
        ("SOLCODER_LLM_API", "soap", "one of: "),
        ("SOLCODER_LLM_PROVIDER", "   ", "must not be empty"),
    ],
)
def test_bad_environment_values(
    home: Path, project: Path, variable: str, text: str, expected: str
) -> None:
    with pytest.raises(UsageError) as caught:
        load(home, project, environ={variable: text})
    assert variable in str(caught.value)
    assert expected in str(caught.value)


def test_empty_variable_counts_as_unset(home: Path, project: Path) -> None:
    write_config(home / "config.toml", '[llm]\nmodel = "kept"\n')
    settings = load(home, project, environ={"SOLCODER_LLM_MODEL": "", "SOLCODER_TIMEOUT": ""})
    assert settings.llm.model == "kept"
    assert settings.source("llm.timeout") == "default"


def test_canonical_variable_beats_alias_and_a_conflict_is_warned(home: Path, project: Path) -> None:
    settings = load(home, project, environ={"SOLCODER_LLM_TIMEOUT": "10", "SOLCODER_TIMEOUT": "20"})
    assert settings.llm.timeout == 10.0
    assert settings.source("llm.timeout") == "env:SOLCODER_LLM_TIMEOUT"
    assert any("SOLCODER_TIMEOUT" in warning for warning in settings.warnings)
    same = load(home, project, environ={"SOLCODER_LLM_TIMEOUT": "10", "SOLCODER_TIMEOUT": "10"})
    assert same.warnings == []


# flags (overrides) ------------------------------------------------------------------------


def test_overrides_accept_typed_values_and_text(home: Path, project: Path) -> None:
    settings = load(
        home,
        project,
        overrides={
            "llm.timeout": 30,
            "llm.max_retries": "4",
            "llm.offline_mode": True,
            "llm.provider": None,  # a flag that was not given
            "llm.temperature": 0.1,
        },
    )
    assert settings.llm.timeout == 30.0
    assert isinstance(settings.llm.timeout, float)
    assert settings.llm.max_retries == 4
    assert settings.llm.offline_mode is True
    assert settings.llm.temperature == 0.1
    assert settings.source("llm.timeout") == "flag"
    assert settings.source("llm.provider") == "default"


def test_bad_override_names_the_flag(home: Path, project: Path) -> None:
    with pytest.raises(UsageError, match=r"--max-retries.*from 0 to 10"):
        load(home, project, overrides={"llm.max_retries": 99})
    with pytest.raises(UsageError, match=r"--timeout"):
        load(home, project, overrides={"llm.timeout": "never"})
    with pytest.raises(UsageError, match="true or false"):
        load(home, project, overrides={"llm.offline_mode": 1})


def test_unknown_override_is_a_usage_error(home: Path, project: Path) -> None:
    with pytest.raises(UsageError, match=r"llm\.timeout"):
        load(home, project, overrides={"llm.timeuot": 3})


# startup cost -----------------------------------------------------------------------------


def _modules_after(statement: str) -> set[str]:
    code = f"import sys; {statement}; print('\\n'.join(sys.modules))"
    completed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=30
    )
    return set(completed.stdout.split())


def test_config_import_stays_light() -> None:
    modules = _modules_after("import solcoder.config")
    assert {"tomlkit", "pydantic", "httpx2", "click", "rich"}.isdisjoint(modules)
    # Only the import-free list of wire names may come from the LLM package.
    llm = {name for name in modules if name.startswith("solcoder.llm.")}
    assert llm <= {"solcoder.llm.wire", "solcoder.llm.wire.names"}, llm


def test_config_command_module_does_not_import_config() -> None:
    modules = _modules_after("import solcoder.cli.config_cmd")
    assert "solcoder.config" not in modules
    assert "tomlkit" not in modules
