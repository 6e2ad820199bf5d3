"""A command's environment keeps what builds need and loses every secret."""

from __future__ import annotations

import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from solcoder.redact import Redactor, default_redactor
from solcoder.sandbox import environment
from solcoder.sandbox.environment import provider_key_names, scrubbed_environment

KEPT = {
    "PATH": "/usr/bin:/bin",
    "HOME": "/home/dev",
    "LANG": "C.UTF-8",
    "TERM": "xterm-256color",
    "CARGO_HOME": "/home/dev/.cargo",
    "RUSTUP_HOME": "/home/dev/.rustup",
    "SOLANA_VERSION": "2.1.0",
    "ANCHOR_PROVIDER_URL": "http://127.0.0.1:8899",
    "NODE_OPTIONS": "--max-old-space-size=4096",
    "KEYBOARD": "us",
}


@pytest.fixture
def redactor(monkeypatch: pytest.MonkeyPatch) -> Redactor:
    fresh = Redactor()
    monkeypatch.setattr("solcoder.redact._default_redactor", fresh)
    return fresh


def test_every_provider_key_variable_is_dropped(redactor: Redactor) -> None:
    names = provider_key_names()
    assert {"OPENAI_API_KEY", "ANTHROPIC_API_KEY", "OPENROUTER_API_KEY"} <= names
    parent = dict.fromkeys(names, "plain") | KEPT
    assert scrubbed_environment(parent) == KEPT


@pytest.mark.parametrize(
    "name",
    [
        "GITHUB_TOKEN",
        "NPM_TOKEN",
        "NODE_AUTH_TOKEN",
        "CARGO_REGISTRY_TOKEN",
        "CARGO_REGISTRIES_MY_CORP_TOKEN",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_PROFILE",
        "GOOGLE_APPLICATION_CREDENTIALS",
        "AZURE_CLIENT_SECRET",
        "DB_PASSWORD",
        "HELIUS_API_KEY",
        "my_service_token",
        "SOLANA_PRIVATE_KEY",
        "SOLCODER_HOME",
        "SSH_AUTH_SOCK",
        "DBUS_SESSION_BUS_ADDRESS",
        "JWT_SECRET_VALUE",
    ],
)
def test_secret_names_are_dropped(name: str, redactor: Redactor) -> None:
    assert scrubbed_environment({name: "value", **KEPT}) == KEPT


def test_extra_names_cover_configured_providers(redactor: Redactor) -> None:
    assert scrubbed_environment({"MYLLM_KEY_VAR": "v"}, extra_secret_names=["myllm_key_var"]) == {}


def test_values_the_redactor_would_mask_are_dropped_whatever_the_name(redactor: Redactor) -> None:
    redactor.add_secret("correct-horse-battery-staple")
    parent = {
        "HARMLESS": "x correct-horse-battery-staple y",
        "DATABASE_URL": "postgres://user:hunter2hunter2@db/app",
        "LEAKED": "sk-proj-" + "a" * 40,
        **KEPT,
    }
    assert scrubbed_environment(parent) == KEPT


def test_a_key_copied_into_another_variable_goes_with_it(redactor: Redactor) -> None:
    key = "sk-test-" + "x" * 30
    parent = {"OPENAI_API_KEY": key, "TOOL_ARGS": f"--key={key}", "AWS_REGION": "us-east-1"}
    parent |= {"REGION_NOTE": "in us-east-1", **KEPT}
    assert scrubbed_environment(parent) == {"REGION_NOTE": "in us-east-1", **KEPT}


def test_the_process_redactor_is_the_one_asked(redactor: Redactor) -> None:
    secret = "canary-" + "q" * 20
    default_redactor().add_secret(secret)
    assert scrubbed_environment({"OTHER": secret}) == {}


def test_the_catalog_is_read_once() -> None:
    assert environment.provider_key_names() is environment.provider_key_names()


SECRET_TEXT = st.text(alphabet=string.ascii_letters + string.digits + "-_", min_size=8)
NAME = st.text(alphabet=string.ascii_uppercase + "_", min_size=1, max_size=12)
FILLER = st.text(max_size=20).filter(lambda text: "\x00" not in text)


@settings(max_examples=150, deadline=None)
@given(
    secrets=st.lists(SECRET_TEXT, min_size=1, max_size=4),
    entries=st.lists(st.tuples(NAME, FILLER, st.integers(0, 3), FILLER), max_size=8),
)
def test_no_kept_value_contains_a_known_secret(
    secrets: list[str], entries: list[tuple[str, str, int, str]]
) -> None:
    redactor = Redactor()
    redactor.add_secrets(secrets)
    parent: dict[str, str] = dict(KEPT)
    for name, before, index, after in entries:
        parent[name] = before + secrets[index % len(secrets)] + after
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("solcoder.redact._default_redactor", redactor)
        kept = scrubbed_environment(parent)
    for value in kept.values():
        assert not any(secret in value for secret in secrets)
