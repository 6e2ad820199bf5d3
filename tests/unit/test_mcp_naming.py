"""`server__tool` names: always within the providers' rule, unique, and predictable."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from solcoder.mcp.naming import MAX_NAME, assign_names, tool_name
from solcoder.tools.registry import TOOL_NAME

servers = st.from_regex(r"\A[A-Za-z0-9][A-Za-z0-9-]{0,31}\Z")
tool_names = st.lists(st.text(min_size=0, max_size=120), max_size=20)


@given(servers, tool_names, st.lists(st.text(max_size=70), max_size=5))
def test_names_fit_the_rule_are_unique_and_avoid_taken(
    server: str, tools: list[str], taken: list[str]
) -> None:
    names = assign_names(server, tools, taken)
    assert set(names) == set(tools)
    assigned = list(names.values())
    assert len(set(assigned)) == len(assigned)
    assert not set(assigned) & set(taken)
    for name in assigned:
        assert TOOL_NAME.match(name), name
        assert name.startswith(f"{server}__")


@given(servers, tool_names)
def test_the_same_listing_gives_the_same_names(server: str, tools: list[str]) -> None:
    assert assign_names(server, tools) == assign_names(server, list(tools))


def test_plain_names_are_kept_and_odd_characters_replaced() -> None:
    assert tool_name("time", "get_current_time") == "time__get_current_time"
    assert tool_name("ev", "get-sum") == "ev__get-sum"
    assert tool_name("fs", "read file.v2") == "fs__read_file_v2"


def test_collisions_number_later_tools_in_listing_order() -> None:
    names = assign_names("fs", ["a.b", "a b", "a_b"])
    assert names == {"a.b": "fs__a_b", "a b": "fs__a_b_2", "a_b": "fs__a_b_3"}


def test_long_names_that_share_a_beginning_stay_apart() -> None:
    first, second = "x" * 80 + "one", "x" * 80 + "two"
    names = assign_names("server", [first, second])
    assert len(names[first]) == len(names[second]) == MAX_NAME
    assert names[first] != names[second]
    assert not names[first].endswith("_2")  # told apart by the hash, not by order
