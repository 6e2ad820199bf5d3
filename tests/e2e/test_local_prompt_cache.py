"""llama.cpp's prebuilt server (the `local` provider) reuses its prompt cache on turn 2, and
SolCoder records it.

The installed server (xllamacpp 2026.10) reports the reuse OpenAI's way in its usage,
`prompt_tokens_details.cached_tokens` (with `prompt_tokens` counting them), besides its own
`timings.cache_n`; the chat decoder reads the former. Turn 2 of the dry run starts with turn 1's
system prompt, tools and messages, so the server finds that prefix in the slot's KV cache.
"""

from __future__ import annotations

import importlib.util
import json
import os
from pathlib import Path

import pytest

from tests.e2e.conftest import Run

if importlib.util.find_spec("xllamacpp") is None:
    pytest.skip("needs the local extra: pip install 'solcoder[local]'", allow_module_level=True)

from solcoder.llm.providers.local import model

pytestmark = [pytest.mark.local, pytest.mark.e2e, pytest.mark.timeout(900)]


@pytest.fixture(scope="module")
def bundled_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled GGUF as `make test` installed it, else fetched once for this module."""
    home = Path(os.environ.get("SOLCODER_HOME") or Path.home() / ".solcoder")
    found = model.installed_path(home)
    if found is not None:
        return found
    return model.install(tmp_path_factory.mktemp("model-home"), progress=lambda _: None)


def test_the_local_server_reports_cache_reuse_on_turn_2_and_it_is_recorded(
    run_cli: Run, solcoder_home: Path, bundled_model: Path
) -> None:
    models = solcoder_home / "models"
    models.mkdir(parents=True)
    (models / bundled_model.name).symlink_to(bundled_model)
    # A hang guard only: two turns on llama.cpp took 139 s beside two busy loops (5 s idle).
    result = run_cli("--dry-run-llm", "--json", "--llm-provider", "local", timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    summary = json.loads(result.stdout.splitlines()[-1])
    first, second = summary["turns"]
    assert second["usage"]["cache_read"] > 0, summary
    # OpenAI's convention: the cached tokens are inside the prompt count, never more than it.
    assert second["usage"]["cache_read"] <= second["usage"]["input"]
    assert first["usage"]["cache_read"] < second["usage"]["cache_read"]
    logs = run_cli("logs", "--json")
    assert logs.returncode == 0, logs.stderr
    rows = json.loads(logs.stdout)
    assert rows and rows[0]["cache_read_tokens"] > 0  # the newest call, turn 2's last step
