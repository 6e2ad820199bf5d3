"""Offline token estimates for whole requests, so budgets and trimming act before a call is sent.

Exact counts need each vendor's tokenizer (OpenAI's BPE files are downloaded at run time by
tiktoken; Anthropic publishes none), so SolCoder estimates instead. Text is split the way BPE
pre-tokenizers split it (letter runs with their leading space, digit groups of up to three,
punctuation runs, whitespace), and each piece is priced from a small table measured against
OpenAI's cl100k encoding on English prose, Python, Rust, Markdown and JSON. A per-family
profile then scales that count and adds the framing each API puts around messages and tools.
The error against provider-reported input tokens is measured on the recorded traffic in
`../shared/corpus`; method and numbers are in docs/token-estimation.md.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

from solcoder.llm.messages import Message, Request, Text, Thinking, ToolCall, ToolResult, ToolSpec
from solcoder.records import shared_methods

Family = Literal["openai", "anthropic", "gemini", "mistral", "deepseek", "llama", "qwen", "other"]
"""Tokenizer families: each has its own `Profile` below."""

# Mirrors the cl100k/o200k pre-tokenizer: contractions, a letter run with one leading
# non-letter (usually the space), digit groups of at most three, punctuation runs with their
# trailing newlines, newline runs, then other whitespace. Python's `re` has no \p{L}, so a
# Unicode letter is written [^\W\d_] (a word character that is neither digit nor underscore).
_PIECE = re.compile(
    r"'(?:[sdmt]|ll|ve|re)"
    r"|(?:[^\r\n\w]|_)?[^\W\d_]+"
    r"|\d{1,3}"
    r"| ?(?:[^\s\w]|_)+[\r\n]*"
    r"|\s*[\r\n]+"
    r"|\s+(?!\S)"
    r"|\s+"
)

# Mean cl100k tokens for an ASCII letter run of length 1..13 (measured, see module docstring);
# longer runs (identifiers, base58 keys) cost about one token per 4.6 letters.
_WORD_TOKENS = (1.0, 1.0, 1.05, 1.03, 1.06, 1.1, 1.12, 1.37, 1.42, 1.4, 1.42, 1.75, 2.2)
_LONG_WORD_LETTERS_PER_TOKEN = 4.6
# Mean tokens for an ASCII punctuation run of length 1..8; longer runs ~0.45 token a character.
_PUNCTUATION_TOKENS = (1.0, 1.0, 1.2, 1.65, 2.15, 2.55, 3.3, 3.6)
_LONG_PUNCTUATION_TOKENS_PER_CHARACTER = 0.45
# Non-ASCII letters (accents, Cyrillic, CJK, ...) and symbols (emoji, typographic quotes),
# per UTF-8 byte: measured on multilingual prompts against cl100k.
_NON_ASCII_LETTER_TOKENS_PER_BYTE = 0.31
_NON_ASCII_SYMBOL_TOKENS_PER_BYTE = 0.6


def _piece_tokens(piece: str) -> float:
    first = piece[0]
    if piece.isspace():
        return 1.0
    if first.isdigit():
        return 1.0
    word = piece[1:] if not first.isalpha() and len(piece) > 1 else piece
    if word[0].isalpha():
        if word.isascii():
            length = len(word)
            if length <= len(_WORD_TOKENS):
                return _WORD_TOKENS[length - 1]
            return length / _LONG_WORD_LETTERS_PER_TOKEN
        size = len(word.encode("utf-8", "surrogatepass"))
        return max(1.0, size * _NON_ASCII_LETTER_TOKENS_PER_BYTE)
    core = piece.strip()
    if not core.isascii():
        size = len(core.encode("utf-8", "surrogatepass"))
        return max(1.0, size * _NON_ASCII_SYMBOL_TOKENS_PER_BYTE)
    length = len(core)
    if length <= len(_PUNCTUATION_TOKENS):
        return _PUNCTUATION_TOKENS[length - 1]
    return length * _LONG_PUNCTUATION_TOKENS_PER_CHARACTER


@lru_cache(maxsize=2048)
def _base_count(text: str) -> float:
    return sum(_piece_tokens(piece) for piece in _PIECE.findall(text))


def count_text(text: str, family: Family = "openai") -> int:
    """Estimated tokens of plain `text` for a model of `family` (0 for empty text)."""
    if not text:
        return 0
    return max(1, round(_base_count(text) * PROFILES[family].text_scale))


@shared_methods
@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Profile:
    """How one family of models frames a request, in tokens (fitted on the corpus)."""

    text_scale: float
    """Tokens of this family's tokenizer per cl100k token."""
    request: int
    """Fixed tokens per request (reply primer, default system header)."""
    message: int
    """Per message (the system prompt counts as one): role markers and separators."""
    tools: int
    """Once when any tool is offered (the tool-use preamble of the chat template)."""
    tool: int
    """Per tool definition, besides its rendered text."""
    tool_call: int
    """Per tool call in the history, besides its name and arguments."""
    tool_result: int
    """Per tool result in the history, besides its content."""
    typescript_tools: bool = False
    """OpenAI renders tools as TypeScript-like declarations; the others embed JSON."""
    thinking_config: int = 0
    """When extended thinking is switched on in `extra` (Anthropic adds an instruction)."""


PROFILES: dict[Family, Profile] = {
    # text_scale comes from the corpus requests with over 1,000 tokens of text (OpenAI and
    # Anthropic) or from the tokenizer's vocabulary size (the others); the framing numbers
    # are fitted on ../shared/corpus (see docs/token-estimation.md).
    "openai": Profile(0.97, 2, 4, 8, 7, 8, 5, typescript_tools=True),
    "anthropic": Profile(1.0, 5, 3, 0, 9, 45, 8, thinking_config=28),
    "gemini": Profile(0.9, 0, 1, 0, 4, 14, 5),
    "mistral": Profile(1.0, 2, 2, 4, 8, 8, 4),
    "deepseek": Profile(1.0, 1, 2, 100, 9, 40, 12),
    "llama": Profile(0.97, 5, 5, 630, 7, 8, 5),
    "qwen": Profile(0.97, 0, 5, 110, 10, 8, 5),
    "other": Profile(1.0, 1, 5, 54, 11, 8, 5),
}

_FAMILY_PATTERNS: tuple[tuple[Family, re.Pattern[str]], ...] = (
    ("anthropic", re.compile(r"claude")),
    ("openai", re.compile(r"^(openai\.)?(gpt-|chatgpt|o\d(-|$)|codex|text-embedding)")),
    ("gemini", re.compile(r"gemini|gemma")),
    ("mistral", re.compile(r"mistral|magistral|ministral|codestral|devstral|pixtral|mixtral")),
    ("deepseek", re.compile(r"deepseek")),
    ("llama", re.compile(r"llama")),
    ("qwen", re.compile(r"qwen|qwq")),
)
_PROVIDER_FAMILIES: dict[str, Family] = {
    "openai": "openai",
    "anthropic": "anthropic",
    "gemini": "gemini",
    "mistral": "mistral",
    "deepseek": "deepseek",
}

# Anthropic adds a tool-use system prompt whenever tools are offered; its size per model and
# tool_choice is published in "Tool use pricing and tokens" (docs.anthropic.com, 2025):
# (tool_choice auto/none, tool_choice any/tool).
# The Claude 4.5 and later models are not in that table; the corpus shows them ~143 tokens
# above the Claude 4 figure (haiku-4-5, sonnet-4-5 via OpenRouter, sonnet-4-6), so that
# measured offset is used for them. Patterns, not compiled ones: `re` compiles them on the
# first Anthropic request, not at every start.
_ANTHROPIC_TOOL_PROMPT: tuple[tuple[str, tuple[int, int]], ...] = (
    (r"claude-(haiku|sonnet|opus)-(4[-.][5-9]|[5-9])", (489, 456)),
    (r"claude-3-opus", (530, 281)),
    (r"claude-3-sonnet", (159, 235)),
    (r"claude-3-haiku", (264, 340)),
    (r"claude-3-5-haiku", (264, 340)),
    (r"claude-3-5-sonnet", (294, 261)),
)
_ANTHROPIC_TOOL_PROMPT_DEFAULT = (346, 313)
"""Claude 3.7 and every Claude 4 model."""

# gpt-oss models speak OpenAI's "harmony" format, whose default system message (knowledge
# cutoff, date, reasoning level, channel list) is always sent: about 65 tokens.
_HARMONY_SYSTEM = 65


def model_family(provider: str, model: str) -> Family:
    """The tokenizer family of `model`, from its name first, then from the provider."""
    name = model.lower().rsplit("/", 1)[-1]
    for family, pattern in _FAMILY_PATTERNS:
        if pattern.search(name):
            return family
    return _PROVIDER_FAMILIES.get(provider, "other")


def _schema_lines(schema: Mapping[str, Any], indent: str = "") -> list[str]:
    """A JSON Schema object's properties as TypeScript-like lines: OpenAI renders function
    definitions this way before tokenizing ("namespace functions { type f = (_: {...}) }")."""
    lines: list[str] = []
    properties = schema.get("properties")
    if not isinstance(properties, Mapping):
        return lines
    required = schema.get("required")
    required_names = set(required) if isinstance(required, list) else set()
    for key, value in properties.items():
        if not isinstance(value, Mapping):
            continue
        description = value.get("description")
        if isinstance(description, str) and description:
            lines.append(f"{indent}// {description}")
        optional = "" if key in required_names else "?"
        lines.append(f"{indent}{key}{optional}: {_type_text(value, indent)},")
    return lines


def _type_text(schema: Mapping[str, Any], indent: str) -> str:
    enum = schema.get("enum")
    if isinstance(enum, list) and enum:
        return " | ".join(json.dumps(item, ensure_ascii=False) for item in enum)
    kind = schema.get("type")
    if kind == "object" and isinstance(schema.get("properties"), Mapping):
        inner = _schema_lines(schema, indent + "  ")
        return "{\n" + "\n".join(inner) + f"\n{indent}}}"
    if kind == "array":
        items = schema.get("items")
        item_type = _type_text(items, indent) if isinstance(items, Mapping) else "any"
        return f"{item_type}[]"
    if kind == "integer":
        return "number"
    if isinstance(kind, str):
        return kind
    if isinstance(kind, list):
        return " | ".join(str(item) for item in kind)
    for combinator in ("anyOf", "oneOf"):
        options = schema.get(combinator)
        if isinstance(options, list):
            return " | ".join(
                _type_text(option, indent) for option in options if isinstance(option, Mapping)
            )
    return "any"


def _tool_text(tool: ToolSpec, family: Family) -> str:
    if PROFILES[family].typescript_tools:
        lines = [f"// {tool.description}"] if tool.description else []
        body = _schema_lines(tool.json_schema)
        if body:
            lines += [f"type {tool.name} = (_: {{", *body, "}) => any;"]
        else:
            lines.append(f"type {tool.name} = () => any;")
        return "\n".join(lines)
    # Anthropic and the open-model chat templates put a JSON definition in the prompt.
    definition = {
        "name": tool.name,
        "description": tool.description,
        "parameters": dict(tool.json_schema),
    }
    return json.dumps(definition, ensure_ascii=False)


def tools_tokens(tools: tuple[ToolSpec, ...], family: Family) -> int:
    """Estimated tokens of the tool definitions (0 when none are offered)."""
    if not tools:
        return 0
    profile = PROFILES[family]
    total = profile.tools
    for tool in tools:
        # The rendered text is the cache key of `count_text`, so repeated requests with the
        # same tools cost one json.dumps each, not a new scan.
        total += profile.tool + count_text(_tool_text(tool, family), family)
    return total


_THINK_BLOCK = re.compile(r"<think>.*?(</think>|$)", re.DOTALL)


def message_tokens(message: Message, family: Family, *, with_thinking: bool = True) -> int:
    """Estimated tokens of one history message, framing included.

    `with_thinking` False skips reasoning parts: providers drop the reasoning of earlier
    turns (Anthropic strips previous turns' thinking blocks; OpenAI and DeepSeek do not send
    reasoning back), so only the current turn's reasoning is counted.
    """
    profile = PROFILES[family]
    total = profile.message
    for part in message.parts:
        if isinstance(part, Text):
            text = part.text
            if not with_thinking and message.role == "assistant" and "<think>" in text:
                # Reasoning models that write <think>...</think> into the reply (DeepSeek-R1,
                # QwQ) have chat templates that drop it from earlier turns.
                text = _THINK_BLOCK.sub("", text)
            total += count_text(text, family)
        elif isinstance(part, ToolCall):
            total += profile.tool_call + count_text(part.name, family)
            total += count_text(part.arguments, family)
        elif isinstance(part, ToolResult):
            total += profile.tool_result + count_text(part.content, family)
        elif isinstance(part, Thinking) and with_thinking:
            total += count_text(part.text, family)
    return total


def current_turn_start(messages: tuple[Message, ...] | list[Message]) -> int:
    """Index of the last user message (where the current turn begins), 0 if none."""
    for index in range(len(messages) - 1, -1, -1):
        message = messages[index]
        if message.role == "user":
            return index
    return 0


def fixed_tokens(request: Request, family: Family) -> int:
    """Tokens that do not depend on the history: framing, system prompt, tools."""
    profile = PROFILES[family]
    total = profile.request
    if request.system:
        total += profile.message + count_text(request.system, family)
    total += tools_tokens(request.tools, family)
    model = request.model.lower()
    if family == "anthropic":
        if request.tools:
            total += _anthropic_tool_prompt(model, request.tool_choice)
        if isinstance(request.extra.get("thinking"), Mapping):
            total += profile.thinking_config
    elif "gpt-oss" in model:
        total += _HARMONY_SYSTEM
    return total


def _anthropic_tool_prompt(model: str, tool_choice: str | None) -> int:
    auto, forced = _ANTHROPIC_TOOL_PROMPT_DEFAULT
    for pattern, sizes in _ANTHROPIC_TOOL_PROMPT:
        if re.search(pattern, model):
            auto, forced = sizes
            break
    return auto if tool_choice in (None, "auto", "none") else forced


def estimate_request(request: Request, *, provider: str = "") -> int:
    """Estimated input tokens of `request` as the provider will count them."""
    family = model_family(provider, request.model)
    messages = request.messages
    turn = current_turn_start(messages)
    total = fixed_tokens(request, family)
    for index, message in enumerate(messages):
        total += message_tokens(message, family, with_thinking=index >= turn)
    return total


DEFAULT_REPLY_RESERVE = 4096
"""Output tokens kept free for the reply when the request does not say (`max_tokens` unset)."""


def reply_reserve(
    requested: int | None, *, window: int | None = None, max_output: int | None = None
) -> int:
    """The room kept for the reply, the one sizing trimming, budgets and compaction share.

    What was asked for (or 4,096), no more than the model can write, and never more than a
    quarter of the window: a 4,096-token window (llama.cpp's and Ollama's default) must not
    be all reserve. The reply may still use more when the input leaves room for it."""
    reserve = requested or DEFAULT_REPLY_RESERVE
    if max_output:
        reserve = min(reserve, max_output)
    if window:
        reserve = min(reserve, max(window // 4, 1))
    return reserve


def estimate_margin(window: int) -> int:
    """Tokens kept free besides the reply's: the estimate is close, not exact (a few percent
    either way), and a server refuses a request that passes its window by one token."""
    return max(64, window // 25)
