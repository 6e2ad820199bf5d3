"""Config files: first run, validation errors, and edits that keep comments and layout."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from solcoder.config import (
    SETTINGS,
    Settings,
    ensure_home,
    first_run_config,
    load_settings,
    set_project_value,
    set_user_value,
    unset_project_value,
    unset_user_value,
)
from solcoder.config.config_file import locate_key
from solcoder.errors import ConfigError, UsageError

IS_ROOT = os.geteuid() == 0


@pytest.fixture(autouse=True)
def _no_solcoder_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("SOLCODER_"):
            monkeypatch.delenv(name)


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture
def cwd(tmp_path: Path) -> Path:
    work = tmp_path / "work"
    work.mkdir()
    return work


@pytest.fixture
def open_umask() -> Iterator[None]:
    previous = os.umask(0)
    try:
        yield
    finally:
        os.umask(previous)


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def load(home: Path, cwd: Path) -> Settings:
    return load_settings(environ={}, home=home, cwd=cwd)


def user_file(home: Path, text: str) -> Path:
    home.mkdir(parents=True, exist_ok=True)
    path = home / "config.toml"
    path.write_text(text)
    return path


# first run --------------------------------------------------------------------------------


def test_first_run_creates_private_home_and_documented_file(home: Path, cwd: Path) -> None:
    assert ensure_home(home) == home
    config = home / "config.toml"
    assert mode_of(home) == 0o700
    assert mode_of(config) == 0o600
    text = config.read_text()
    assert text == first_run_config()
    for spec in SETTINGS.values():
        assert f"# {spec.name} = " in text
        assert spec.doc.split()[0] in text
        assert spec.env_names[0] in text
    settings = load(home, cwd)
    assert settings.warnings == []
    assert all(settings.source(key) == "default" for key in SETTINGS)


@pytest.mark.usefixtures("open_umask")
def test_first_run_modes_under_umask_000(home: Path) -> None:
    ensure_home(home)
    assert mode_of(home) == 0o700
    assert mode_of(home / "config.toml") == 0o600


def test_ensure_home_keeps_an_existing_file_and_tightens_modes(home: Path) -> None:
    home.mkdir(mode=0o755)
    home.chmod(0o755)
    config = user_file(home, "# mine\n")
    config.chmod(0o644)
    ensure_home(home)
    assert config.read_text() == "# mine\n"
    assert mode_of(config) == 0o600
    assert mode_of(home) == 0o700


def test_unwritable_home_is_a_config_error(tmp_path: Path) -> None:
    # Root ignores permission bits, so make mkdir fail by putting the home under a file.
    blocker = tmp_path / "regular-file"
    blocker.write_text("")
    with pytest.raises(ConfigError, match="Cannot create directory") as caught:
        ensure_home(blocker / "sub")
    assert caught.value.exit_code == 2
    assert "SOLCODER_HOME" in str(caught.value)


@pytest.mark.skipif(IS_ROOT, reason="root ignores directory permissions")
def test_read_only_parent_of_home(tmp_path: Path) -> None:
    parent = tmp_path / "locked"
    parent.mkdir()
    parent.chmod(0o500)
    try:
        with pytest.raises(ConfigError):
            ensure_home(parent / "home")
    finally:
        parent.chmod(0o700)


def test_ensure_home_cannot_write_config(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def full_disk(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("solcoder.config.writer.atomic_write", full_disk)
    with pytest.raises(ConfigError, match=r"Cannot write .*config\.toml: No space left"):
        ensure_home(home)


# loading errors ---------------------------------------------------------------------------


def test_syntax_error_names_file_and_line_and_leaves_file_alone(home: Path, cwd: Path) -> None:
    original = b'schema_version = 1\n\n[llm]\nmodel = "ok"\ntimeout = \n'
    home.mkdir()
    path = home / "config.toml"
    path.write_bytes(original)
    with pytest.raises(ConfigError) as caught:
        load(home, cwd)
    assert f"{path}:5:" in caught.value.message
    assert "not valid TOML" in caught.value.message
    assert "(at line" not in caught.value.message
    assert path.read_bytes() == original


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ('[llm]\ntimeout = "soon"\n', 2, 'llm.timeout = "soon" must be a number greater than 0'),
        ("[llm]\nmax_retries = 2.5\n", 2, "llm.max_retries = 2.5 must be an integer from 0 to 10"),
        ("[llm]\nmax_retries = true\n", 2, "llm.max_retries = true must be an integer"),
        ("[llm]\nmax_steps = 0\n", 2, "from 1 to 100"),
        ('\n[ui]\nshow_thinking = "true"\n', 3, "written without quotes"),
        ("[ui]\nshow_thinking = 1\n", 2, "must be true or false"),
        ("[llm]\nmodel = 5\n", 2, "llm.model = 5 must be text"),
        ('[llm]\napi = "soap"\n', 2, "must be one of:"),
        ("[llm]\ntemperature = nan\n", 2, "from 0 to 2"),
        ("llm.timeout = -1\n", 1, "llm.timeout = -1 must be a number greater than 0"),
        ("llm = 5\n", 1, "[llm] must be a table"),
        ("providers = 5\n", 1, "[providers] must hold tables"),
        ("[providers]\nlocal = 5\n", 2, "providers.local must be a [providers.local] table"),
        ("[providers.local]\nretries = 3\n", 2, "providers.local.retries must be text"),
        ('schema_version = "1"\n', 1, "schema_version must be a positive integer"),
        ("schema_version = 0\n", 1, "schema_version must be a positive integer"),
    ],
)
def test_wrong_values_name_file_line_and_key(
    home: Path, cwd: Path, text: str, line: int, fragment: str
) -> None:
    path = user_file(home, text)
    with pytest.raises(ConfigError) as caught:
        load(home, cwd)
    assert caught.value.message.startswith(f"{path}:{line}: ")
    assert fragment in caught.value.message
    assert path.read_text() == text


def test_newer_schema_version_asks_for_an_upgrade(home: Path, cwd: Path) -> None:
    path = user_file(home, "schema_version = 2\n[llm]\nmodel = 'x'\n")
    with pytest.raises(ConfigError, match="newer SolCoder") as caught:
        load(home, cwd)
    assert str(path) in caught.value.message
    assert "Upgrade solcoder" in str(caught.value)


def test_missing_schema_version_means_current(home: Path, cwd: Path) -> None:
    user_file(home, "[llm]\nmodel = 'x'\n")
    assert load(home, cwd).llm.model == "x"


def test_project_file_errors_name_the_project_file(home: Path, cwd: Path) -> None:
    project_file = cwd / ".solcoder" / "config.toml"
    project_file.parent.mkdir()
    project_file.write_text("[sessions]\nkeep = 'all'\n")
    with pytest.raises(ConfigError, match=rf"^{project_file}:2: sessions.keep"):
        load(home, cwd)


def test_unknown_keys_are_warnings_and_defaults_fill_the_rest(home: Path, cwd: Path) -> None:
    path = user_file(
        home,
        '[llm]\nmodle = "x"\ntimeout = 5\n[colours]\nx = 1\n[ui]\nshow_thinking = false\n'
        "max_steps = 3\n",
    )
    settings = load(home, cwd)
    assert settings.llm.timeout == 5.0
    assert settings.llm.model == ""
    assert settings.ui.show_thinking is False
    assert settings.llm.max_steps == 8
    assert len(settings.warnings) == 3
    modle = next(warning for warning in settings.warnings if "modle" in warning)
    assert str(path) in modle
    assert "did you mean llm.model" in modle
    assert "llm.max_steps" in " ".join(settings.warnings)
    assert any("'colours'" in warning for warning in settings.warnings)


def test_temperature_integer_becomes_float(home: Path, cwd: Path) -> None:
    user_file(home, "[llm]\ntemperature = 1\n")
    temperature = load(home, cwd).llm.temperature
    assert temperature == 1.0
    assert isinstance(temperature, float)


def test_config_path_that_is_a_directory(home: Path, cwd: Path) -> None:
    (home / "config.toml").mkdir(parents=True)
    with pytest.raises(ConfigError, match="is a directory"):
        load(home, cwd)


def test_non_utf8_config(home: Path, cwd: Path) -> None:
    home.mkdir()
    (home / "config.toml").write_bytes(b"[llm]\nmodel = '\xe9'\n")
    with pytest.raises(ConfigError, match=r"config.toml:2: not valid UTF-8"):
        load(home, cwd)


def test_locate_key_variants() -> None:
    text = (
        "schema_version = 1\n"
        "llm.model = 'x'\n"
        "[ llm ]\n"
        '"timeout" = 3\n'
        "[providers.local]\n"
        "api = 1\n"
    )
    assert locate_key(text, "llm", "model") == 2
    assert locate_key(text, "llm", "timeout") == 4
    assert locate_key(text, "providers.local", "api") == 6
    assert locate_key(text, None, "schema_version") == 1
    assert locate_key(text, "llm", "absent") is None


# set / unset ------------------------------------------------------------------------------

COMMENTED = """\
# My settings, edited by hand.
schema_version = 1

[llm]
provider = "anthropic"   # work account
# model = "claude-x"  (kept for later)
timeout = 120

[providers.local]
base_url = "http://127.0.0.1:8080/v1"  # llama.cpp
"""


def test_set_preserves_comments_and_layout(home: Path, cwd: Path) -> None:
    path = user_file(home, COMMENTED)
    set_user_value(home, "llm.timeout", "300")
    set_user_value(home, "ui.show_thinking", "off")
    text = path.read_text()
    assert text.replace("timeout = 300.0", "timeout = 120").startswith(COMMENTED)
    assert text.endswith("[ui]\nshow_thinking = false\n")
    settings = load(home, cwd)
    assert settings.llm.timeout == 300.0
    assert settings.llm.provider == "anthropic"
    assert settings.ui.show_thinking is False
    assert settings.providers["local"]["base_url"] == "http://127.0.0.1:8080/v1"


def test_set_then_unset_round_trip_restores_the_file(home: Path) -> None:
    path = user_file(home, COMMENTED)
    set_user_value(home, "llm.model", "gpt-4.1")
    assert 'model = "gpt-4.1"' in path.read_text()
    assert unset_user_value(home, "llm.model") is True
    assert path.read_text() == COMMENTED


def test_set_on_first_run_file_keeps_the_documentation(home: Path, cwd: Path) -> None:
    set_user_value(home, "llm.model", "gpt-4.1")  # creates home and the first-run file
    path = home / "config.toml"
    assert mode_of(path) == 0o600
    assert mode_of(home) == 0o700
    text = path.read_text()
    assert text.startswith(first_run_config().split("[llm]")[0])
    assert '\nmodel = "gpt-4.1"\n' in text
    settings = load(home, cwd)
    assert settings.llm.model == "gpt-4.1"
    assert settings.source("llm.model") == f"user:{path}"


def test_set_value_with_quotes_and_unicode(home: Path, cwd: Path) -> None:
    set_user_value(home, "llm.model", 'odd "name" ü')
    assert load(home, cwd).llm.model == 'odd "name" ü'


def test_set_into_dotted_key_layout(home: Path, cwd: Path) -> None:
    path = user_file(home, 'llm.model = "a"  # note\nllm.timeout = 5\n')
    set_user_value(home, "llm.timeout", "6")
    assert path.read_text() == 'llm.model = "a"  # note\nllm.timeout = 6.0\n'
    assert unset_user_value(home, "llm.model") is True
    assert load(home, cwd).llm.model == ""


def test_set_unknown_key_suggests_names(home: Path) -> None:
    with pytest.raises(UsageError) as caught:
        set_user_value(home, "llm.modle", "x")
    assert "'llm.model'" in str(caught.value)
    assert "solcoder config list" in str(caught.value)
    assert not home.exists()


def test_set_provider_field_is_refused_with_a_pointer(home: Path) -> None:
    with pytest.raises(UsageError, match=r"\[providers.<name>\] table"):
        set_user_value(home, "providers.local.base_url", "http://x")


@pytest.mark.parametrize(
    ("key", "raw", "fragment"),
    [
        ("llm.max_retries", "eleven", "an integer from 0 to 10"),
        ("llm.offline_mode", "maybe", "true, false"),
        ("llm.temperature", "", "config unset"),
        ("llm.api", "grpc", "one of:"),
    ],
)
def test_set_bad_value_changes_nothing(home: Path, key: str, raw: str, fragment: str) -> None:
    path = user_file(home, COMMENTED)
    with pytest.raises(UsageError, match=fragment) as caught:
        set_user_value(home, key, raw)
    assert key in str(caught.value)
    assert path.read_text() == COMMENTED


def test_set_refuses_a_corrupt_file_and_leaves_it_byte_identical(home: Path) -> None:
    original = b"[llm]\nmodel = 'unterminated\n"
    home.mkdir()
    path = home / "config.toml"
    path.write_bytes(original)
    with pytest.raises(ConfigError, match=r"config.toml:2: not valid TOML"):
        set_user_value(home, "llm.timeout", "5")
    with pytest.raises(ConfigError):
        unset_user_value(home, "llm.model")
    assert path.read_bytes() == original


def test_set_refuses_a_newer_file(home: Path) -> None:
    path = user_file(home, "schema_version = 9\n")
    with pytest.raises(ConfigError, match="newer SolCoder"):
        set_user_value(home, "llm.timeout", "5")
    assert path.read_text() == "schema_version = 9\n"


def test_set_can_fix_the_wrong_value_it_replaces(home: Path, cwd: Path) -> None:
    user_file(home, '[llm]\ntimeout = "soon"\n')
    set_user_value(home, "llm.timeout", "30")
    assert load(home, cwd).llm.timeout == 30.0


def test_set_refuses_when_another_key_is_wrong(home: Path) -> None:
    path = user_file(home, '[llm]\ntimeout = "soon"\n')
    with pytest.raises(ConfigError, match=r"config.toml:2: llm.timeout"):
        set_user_value(home, "llm.model", "x")
    assert path.read_text() == '[llm]\ntimeout = "soon"\n'


def test_failed_write_keeps_the_old_file(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = user_file(home, COMMENTED)

    def broken_replace(source: object, destination: object) -> None:
        raise OSError(30, "Read-only file system")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(ConfigError, match=r"Cannot write .*Read-only file system"):
        set_user_value(home, "llm.model", "x")
    assert path.read_text() == COMMENTED
    assert sorted(entry.name for entry in home.iterdir()) == ["config.toml"]


def test_unset_missing_key_or_file_does_not_write(home: Path) -> None:
    assert unset_user_value(home, "llm.model") is False
    assert not home.exists()
    path = user_file(home, COMMENTED)
    before = path.stat().st_mtime_ns
    assert unset_user_value(home, "ui.show_thinking") is False
    assert unset_user_value(home, "llm.model") is False  # only a comment mentions it
    assert path.read_text() == COMMENTED
    assert path.stat().st_mtime_ns == before


def test_unset_unknown_key(home: Path) -> None:
    with pytest.raises(UsageError, match="Unknown setting"):
        unset_user_value(home, "llm.nope")


def test_project_values_create_a_shareable_file(cwd: Path, home: Path) -> None:
    path = cwd / ".solcoder" / "config.toml"
    set_project_value(path, "llm.max_steps", "12")
    assert mode_of(path) == 0o644
    assert path.read_text() == "schema_version = 1\n\n[llm]\nmax_steps = 12\n"
    settings = load(home, cwd)
    assert settings.llm.max_steps == 12
    assert settings.source("llm.max_steps") == f"project:{path}"
    path.chmod(0o640)
    set_project_value(path, "llm.max_steps", "13")
    assert mode_of(path) == 0o640
    assert unset_project_value(path, "llm.max_steps") is True
    assert load(home, cwd).source("llm.max_steps") == "default"


def test_project_directory_cannot_be_created(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(ConfigError, match="Cannot write"):
        set_project_value(blocker / ".solcoder" / "config.toml", "llm.model", "x")


def test_a_project_config_cannot_turn_on_approve_edits(tmp_path: Path) -> None:
    from solcoder.config import load_settings

    project = tmp_path / "project"
    (project / ".solcoder").mkdir(parents=True)
    (project / ".solcoder" / "config.toml").write_text("[tools]\napprove_edits = true\n")
    settings = load_settings(cwd=project, environ={}, home=tmp_path / "home")
    assert settings.tools.approve_edits is False
    assert any("tools.approve_edits: ignored" in warning for warning in settings.warnings)
    home = tmp_path / "home"
    home.mkdir()
    (home / "config.toml").write_text("[tools]\napprove_edits = true\n")
    assert load_settings(cwd=project, environ={}, home=home).tools.approve_edits is True
