"""The offline token estimator: text pieces, request framing, families."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from solcoder.llm.messages import Message, Request, Text, Thinking, ToolCall, ToolResult, ToolSpec
from solcoder.llm.tokens import (
    PROFILES,
    count_text,
    estimate_request,
    message_tokens,
    model_family,
    tools_tokens,
)

WEATHER = ToolSpec(
    "get_weather",
    "Get the current weather for a city.",
    {
        "type": "object",
        "properties": {
            "city": {"type": "string", "description": "City name, e.g. Paris"},
            "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
        },
        "required": ["city"],
    },
)


def test_empty_text_is_free_and_short_words_are_one_token_each() -> None:
    assert count_text("") == 0
    assert count_text("hello") == 1
    assert count_text("the cat sat on the mat") == 6


def test_english_prose_is_about_four_characters_a_token() -> None:
    prose = (
        "Solana programs store state in accounts. Each account has an owner program, a "
        "balance in lamports and a data buffer whose size is fixed when it is created. "
    ) * 20
    tokens = count_text(prose)
    assert 3.6 <= len(prose) / tokens <= 5.5


def test_code_and_json_cost_more_tokens_per_character_than_prose() -> None:
    code = 'let seeds = &[b"vault", user.key().as_ref(), &[bump]];\n' * 10
    prose = "The vault is a program derived address owned by the program itself. " * 10
    assert len(code) / count_text(code) < len(prose) / count_text(prose)


def test_non_ascii_text_is_counted_by_bytes_not_characters() -> None:
    chinese = "我想在Solana上部署一个智能合约，请告诉我如何创建程序派生地址。"
    assert count_text(chinese) >= len(chinese) * 0.6
    assert count_text("🎉🎉🎉") >= 3


def test_long_identifiers_and_numbers_split_into_several_tokens() -> None:
    assert count_text("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA") >= 8
    assert count_text("1234567890") == 4  # digit groups of at most three


@given(st.text(max_size=400))
def test_counts_are_never_negative_and_grow_with_more_text(text: str) -> None:
    alone = count_text(text)
    assert alone >= 0
    assert count_text(text + " more words here") >= alone


def test_families_come_from_the_model_name_then_the_provider() -> None:
    assert model_family("openrouter", "anthropic/claude-sonnet-4.5") == "anthropic"
    assert model_family("openai", "gpt-4.1-mini") == "openai"
    assert model_family("groq", "openai/gpt-oss-120b") == "openai"
    assert model_family("bedrock", "openai.gpt-oss-120b") == "openai"
    assert model_family("openai", "o4-mini") == "openai"
    assert model_family("groq", "llama-3.3-70b-versatile") == "llama"
    assert model_family("mistral", "codestral-latest") == "mistral"
    assert model_family("openrouter", "deepseek/deepseek-chat") == "deepseek"
    assert model_family("gemini", "gemini-2.5-flash") == "gemini"
    assert model_family("xai", "grok-4") == "other"
    assert model_family("anthropic", "") == "anthropic"
    assert model_family("ollama", "my-finetune") == "other"


def test_each_message_adds_framing_on_top_of_its_text() -> None:
    one = Request("gpt-4.1", (Message.user("hi"),))
    two = Request("gpt-4.1", (Message.user("hi"), Message.assistant("hi"), Message.user("hi")))
    per_message = PROFILES["openai"].message + count_text("hi")
    assert estimate_request(two) - estimate_request(one) == 2 * per_message


def test_system_prompt_and_tools_are_counted() -> None:
    bare = Request("gpt-4.1", (Message.user("weather in Paris?"),))
    with_system = Request("gpt-4.1", bare.messages, system="You are a helpful assistant.")
    with_tools = Request("gpt-4.1", bare.messages, tools=(WEATHER,))
    assert estimate_request(with_system) > estimate_request(bare)
    assert estimate_request(with_tools) - estimate_request(bare) == tools_tokens(
        (WEATHER,), "openai"
    )
    assert tools_tokens((), "openai") == 0


def test_openai_tools_are_rendered_compactly_and_anthropic_adds_its_tool_prompt() -> None:
    openai_tools = tools_tokens((WEATHER,), "openai")
    json_tools = tools_tokens((WEATHER,), "other") - PROFILES["other"].tools
    assert openai_tools < json_tools  # TypeScript-like declarations drop the JSON punctuation
    messages = (Message.user("weather in Paris?"),)
    plain = estimate_request(Request("claude-sonnet-4-0", messages))
    tooled = estimate_request(Request("claude-sonnet-4-0", messages, tools=(WEATHER,)))
    forced = estimate_request(
        Request("claude-sonnet-4-0", messages, tools=(WEATHER,), tool_choice="get_weather")
    )
    assert tooled - plain > 346  # the documented tool-use system prompt, plus the definition
    assert tooled - forced == 346 - 313


def test_tool_calls_and_results_in_the_history_are_counted() -> None:
    call = Message("assistant", (ToolCall("call_1", "get_weather", '{"city":"Paris"}'),))
    result = Message("tool", (ToolResult("call_1", '{"temperature": 21, "sky": "clear"}'),))
    assert message_tokens(call, "openai") > count_text('{"city":"Paris"}')
    assert message_tokens(result, "openai") > count_text('{"temperature": 21, "sky": "clear"}')


def test_reasoning_of_earlier_turns_is_not_counted() -> None:
    thinking = "Let me think about this carefully. " * 50
    earlier = Message("assistant", (Thinking(thinking), Text("4")))
    old_turn = Request(
        "claude-sonnet-4-5", (Message.user("2+2?"), earlier, Message.user("and 3+3?"))
    )
    same_turn = Request("claude-sonnet-4-5", (Message.user("2+2?"), earlier))
    assert estimate_request(same_turn) > estimate_request(old_turn)  # current turn: counted
    without = Request(
        "claude-sonnet-4-5",
        (Message.user("2+2?"), Message.assistant("4"), Message.user("and 3+3?")),
    )
    assert estimate_request(old_turn) == estimate_request(without)


def test_think_blocks_written_into_earlier_replies_are_dropped() -> None:
    reply = Message.assistant("<think>" + "hmm " * 200 + "</think>The answer is 4.")
    history = (Message.user("2+2?"), reply, Message.user("and 3+3?"))
    plain = (Message.user("2+2?"), Message.assistant("The answer is 4."), Message.user("and 3+3?"))
    assert estimate_request(Request("deepseek-reasoner", history)) == estimate_request(
        Request("deepseek-reasoner", plain)
    )


def test_extended_thinking_and_harmony_models_add_their_fixed_prompts() -> None:
    messages = (Message.user("hi"),)
    plain = estimate_request(Request("claude-sonnet-4-5", messages))
    thinking = estimate_request(
        Request("claude-sonnet-4-5", messages, extra={"thinking": {"type": "enabled"}})
    )
    assert thinking - plain == PROFILES["anthropic"].thinking_config
    assert (
        estimate_request(Request("gpt-oss-120b", messages))
        > estimate_request(Request("gpt-4.1", messages)) + 50
    )
