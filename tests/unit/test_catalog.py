"""The provider catalog is the one place a provider's properties live (issue 12): the wire
names and their adapters, who runs where, who charges, what telemetry calls them."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from solcoder.llm.catalog.pricing import cost_usd, is_free
from solcoder.llm.catalog.providers import (
    BUILTIN_PROVIDERS,
    LOCAL,
    OFFLINE,
    known_provider_names,
    resolve_spec,
    spec_from_table,
)
from solcoder.llm.messages import Usage
from solcoder.llm.wire.names import WIRE_APIS, input_includes_cache
from solcoder.llm.wire.registry import ADAPTERS, adapter_for
from solcoder.telemetry.otel import telemetry_name

SRC = Path(__file__).resolve().parents[2] / "src" / "solcoder"


def test_every_wire_name_has_exactly_one_adapter_and_it_speaks_that_wire() -> None:
    assert tuple(ADAPTERS) == WIRE_APIS
    for api in WIRE_APIS:
        assert adapter_for(api, provider="p").api == api


def test_an_unknown_wire_is_a_config_error_naming_the_known_ones() -> None:
    from solcoder.errors import ConfigError

    with pytest.raises(ConfigError, match="does not speak") as caught:
        adapter_for("grpc", provider="p")
    assert "chat, responses, messages" in (caught.value.hint or "")


def test_the_providers_solcoder_runs_are_in_the_catalog() -> None:
    for spec in (OFFLINE, LOCAL):
        assert resolve_spec(spec.name) is spec
        assert spec.name in known_provider_names()
        assert spec.managed and spec.free and not spec.requires_key
    assert LOCAL.self_describing and LOCAL.forced_tool


@pytest.mark.parametrize("name", sorted(BUILTIN_PROVIDERS))
def test_who_charges_is_read_off_the_catalog(name: str) -> None:
    spec = BUILTIN_PROVIDERS[name]
    assert is_free(name) == (spec.runs != "remote")
    if spec.free:
        assert cost_usd(name, "any-model", Usage(input=10_000, output=10_000)) == 0.0
    else:
        assert spec.price_id, f"{name} is remote but has no price id"
        assert spec.requires_key


def test_a_custom_provider_is_never_assumed_free_and_inherits_a_builtins_properties() -> None:
    custom = spec_from_table("mine", {"base_url": "http://127.0.0.1:9/v1"})
    assert custom.runs == "remote" and not is_free("mine")
    proxied = spec_from_table("openai", {"base_url": "http://127.0.0.1:9/v1"})
    assert (proxied.price_id, proxied.telemetry_name) == ("openai", "openai")


def test_telemetry_names_come_from_the_catalog() -> None:
    assert telemetry_name("mistral") == "mistral_ai"
    assert telemetry_name("gemini") == "gcp.gemini"
    assert telemetry_name("my-own") == "my-own"


def test_only_anthropics_wire_counts_cache_apart_from_input() -> None:
    assert [api for api in WIRE_APIS if not input_includes_cache(api)] == ["messages"]


def _literal_names(node: ast.expr) -> set[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.Tuple | ast.Set | ast.List):
        return {item.value for item in node.elts if isinstance(item, ast.Constant)} - {None}
    return set()


def _subject(node: ast.expr) -> str | None:
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    return None


def test_no_code_outside_the_catalog_compares_against_a_provider_or_wire_name() -> None:
    """`llm.provider == "local"` or `spec.api == "chat"` restates the catalog; code asks the
    spec (`spec.managed`, `spec.self_describing`) or names it through the catalog (`LOCAL.name`)."""
    owners = {SRC / "llm" / "catalog" / "providers.py", SRC / "llm" / "wire" / "names.py"}
    names = set(BUILTIN_PROVIDERS) | set(WIRE_APIS)
    subjects = {"provider", "name", "api", "wire_api", "only"}
    found = []
    for path in sorted(SRC.rglob("*.py")):
        if path in owners:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Compare):
                continue
            sides = [node.left, *node.comparators]
            if not any(_subject(side) in subjects for side in sides):
                continue
            literals = set().union(*(_literal_names(side) for side in sides))
            if literals & names:
                found.append(f"{path.relative_to(SRC)}:{node.lineno}")
    assert found == []
