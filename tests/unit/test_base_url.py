"""A base URL is checked whole before any request (issue 13, item 7).

`--llm-base-url http://127.0.0.1:99999/v1` (or `:-1`, `:abc`) ended as `OverflowError` or
`InvalidURL`, "a bug in SolCoder" with exit 1. The setting, a custom provider table and the
client now refuse such a URL up front, as a configuration error (exit 2) naming the problem.
"""

from __future__ import annotations

import pytest

from solcoder.config import lookup
from solcoder.config.values import InvalidValue
from solcoder.errors import ConfigError
from solcoder.llm.catalog.providers import ProviderSpec, spec_from_table
from solcoder.llm.providers.client import LLMClient
from solcoder.urls import base_url_problem

BAD = {
    "http://127.0.0.1:99999/v1": "port 99999 is not between 0 and 65535",
    "http://127.0.0.1:-1/v1": "port '-1' is not a port number",
    "http://127.0.0.1:abc/v1": "port 'abc' is not a port number",
    "http://[::1/v1": "cannot be parsed",
    "ftp://example.com/v1": "must start with http:// or https://",
    "http:///v1": "names no host",
    "http://exa mple.com/v1": "spaces or control characters",
}
GOOD = [
    "https://api.openai.com/v1",
    "http://127.0.0.1:8080/v1",
    "http://[::1]:8080/v1",
    "http://localhost:65535",
    "http://user:p:ss@proxy.local:3128/v1",
]


@pytest.mark.parametrize(("url", "problem"), BAD.items())
def test_unusable_urls_are_described(url: str, problem: str) -> None:
    assert problem in (base_url_problem(url) or "")


@pytest.mark.parametrize("url", GOOD)
def test_usable_urls_pass(url: str) -> None:
    assert base_url_problem(url) is None


@pytest.mark.parametrize("url", list(BAD)[:3])
def test_the_setting_refuses_a_bad_port(url: str) -> None:
    spec = lookup("llm.base_url")
    with pytest.raises(InvalidValue, match="port"):
        spec.check(url)
    with pytest.raises(InvalidValue, match="port"):
        spec.parse_text(url)
    assert spec.check("") == ""  # empty still means the provider's own


@pytest.mark.parametrize("url", list(BAD))
def test_the_client_refuses_a_bad_url_as_a_config_error(url: str) -> None:
    spec = ProviderSpec(name="custom", api="chat", base_url=url, requires_key=False)
    with pytest.raises(ConfigError, match="cannot be used") as caught:
        LLMClient(spec, model="m", api_key=None)
    assert caught.value.exit_code == 2
    assert caught.value.hint


def test_a_provider_table_with_a_bad_port_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="port 99999"):
        spec_from_table("mine", {"api": "chat", "base_url": "http://127.0.0.1:99999/v1"})


def test_the_flag_error_carries_a_hint_with_an_example() -> None:
    from solcoder.config.loader import _check_override
    from solcoder.errors import UsageError

    with pytest.raises(UsageError, match="port 99999") as caught:
        _check_override("llm.base_url", "http://127.0.0.1:99999/v1")
    assert caught.value.exit_code == 2
    assert caught.value.hint and "http://127.0.0.1:8080/v1" in caught.value.hint
