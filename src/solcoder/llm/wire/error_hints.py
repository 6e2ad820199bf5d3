"""The advice half of provider error mapping: what to do about a context overflow, a missing
endpoint or an unknown model. Split from `errors.py` (which reads and classifies error bodies)
so each stays readable; pure, like every adapter module.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from urllib.parse import urlsplit

from solcoder.llm.wire.names import ENDPOINTS

LLAMA_CPP_CONTEXT_PHRASE = "available context size"
"""llama.cpp's overflow message, old ("the request exceeds the available context size, try
increasing the context size or enable context shift") and new ("request (N tokens) ...")."""


def context_hint(
    message: str, codes: tuple[str, str], prompt_tokens: int | None, context_size: int | None
) -> str:
    """What to do about a prompt over the context: llama.cpp's server has the window it was
    started with (`--ctx-size`), so its remedy differs from a hosted model's."""
    llama_cpp = (
        "exceed_context_size_error" in codes
        or context_size is not None
        or LLAMA_CPP_CONTEXT_PHRASE in message.lower()
    )
    if not llama_cpp:
        return (
            "Shorten the conversation (start a new session or drop large files from the "
            "prompt) or choose a model with a larger context window."
        )
    prompt, window = prompt_tokens, context_size
    size = f" ({prompt} tokens)" if prompt else ""
    limit = f" ({window} tokens)" if window else ""
    example = f" {ctx_size_for(prompt)}" if prompt else ""
    return (
        f"The conversation{size} is longer than the server's context window{limit}. Start a "
        "new session (/clear in the REPL, --new-session on the command line) or drop large "
        "pasted content, or restart the server with a larger context (llama.cpp: "
        f"--ctx-size{example})."
    )


def ctx_size_for(prompt_tokens: int) -> int:
    """A context that holds the prompt and a reply: the next power of two above both."""
    size = 2048
    while size < prompt_tokens + 1024:
        size *= 2
    return size


def endpoint_hint(url: str | None) -> str:
    """Advice for a path the server does not serve: which wire to try instead, and the base
    URL (the usual causes: a server that speaks only Chat Completions, or a base URL with a
    missing or doubled /v1)."""
    base_url = "OpenAI-style base URLs end in /v1, e.g. http://127.0.0.1:8080/v1"
    path = urlsplit(url).path if url else ""
    if "/v1/v1/" in path:
        return f"The URL has /v1 twice: drop it from --llm-base-url ({base_url})."
    for wire, (suffix, name) in ENDPOINTS.items():
        if path.endswith(suffix) and wire != "chat":
            return (
                f"The server may not implement the {name} API: try --llm-api chat (OpenAI "
                "Chat Completions, which llama.cpp, Ollama, vLLM and LM Studio serve), and "
                f"check --llm-base-url ({base_url})."
            )
    return (
        f"Check --llm-base-url ({base_url}), or try another wire protocol: --llm-api "
        "responses or --llm-api messages."
    )


def model_in_message(message: str) -> str | None:
    quoted = re.search(r"[`'\"]([^`'\"\s]+)[`'\"]", message)
    if quoted:
        return quoted.group(1)
    labelled = re.search(r"model:\s*(\S+)", message)  # Anthropic: "model: claude-sonet-4-5"
    return labelled.group(1) if labelled else None


def model_hint(model: str | None, models: Sequence[str]) -> str:
    base = "Check --llm-model (and --llm-base-url for a self-hosted or Azure deployment)."
    if not models:
        return base
    # The model that failed is never a suggestion: it exists in our list but not for this
    # account or endpoint.
    others = [name for name in models if name != model]
    close = difflib.get_close_matches(model, others, n=3, cutoff=0.5) if model else []
    if close:
        return f"Did you mean {', '.join(repr(name) for name in close)}? {base}"
    if not others:
        return base
    return f"{base} Known models: {', '.join(others[:8])}."
