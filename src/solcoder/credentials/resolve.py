"""Which API key a provider uses, and where it came from, in the documented order.

    1. --llm-api-key          (source "flag"; visible in the process list, the CLI warns)
    2. SOLCODER_LLM_API_KEY   (source "env:SOLCODER_LLM_API_KEY")
    3. the provider's own variables, e.g. OPENAI_API_KEY   (source "env:OPENAI_API_KEY")
    4. secure storage          (source "store:keyring", "store:encrypted-file",
                                "store:plaintext-file")

A provider that needs no key (a local server) skips storage: asking for a passphrase to find
a key nobody needs would be absurd. Every key found is registered with the redactor.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from solcoder.credentials.store import CredentialStore
from solcoder.redact import Redactor, default_redactor
from solcoder.secret import Secret

if TYPE_CHECKING:  # only its type: credentials sit below the LLM layer
    from solcoder.llm.catalog.providers import ProviderSpec

GENERIC_KEY_VARIABLE = "SOLCODER_LLM_API_KEY"

SOURCE_FLAG = "flag"
SOURCE_NONE = "none"
SOURCE_NOT_REQUIRED = "not-required"


@dataclass(frozen=True, slots=True)
class ResolvedKey:
    secret: Secret | None
    source: str

    @property
    def display(self) -> str:
        """`source` in words, for `auth status` and diagnostics."""
        if self.source == SOURCE_FLAG:
            return "--llm-api-key flag"
        kind, _, detail = self.source.partition(":")
        if kind == "env":
            return f"environment variable {detail}"
        if kind == "store":
            return {
                "keyring": "OS keyring",
                "encrypted-file": "encrypted file",
                "plaintext-file": "plain-text file (insecure)",
            }.get(detail, detail)
        if self.source == SOURCE_NOT_REQUIRED:
            return "no key needed"
        return "no key"


def _clean(value: str | None) -> str:
    # Keys pasted into shells and files often carry a trailing newline or spaces.
    return (value or "").strip()


def resolve_api_key(
    spec: ProviderSpec,
    *,
    flag_value: str | None,
    environ: Mapping[str, str],
    store: CredentialStore | None,
    redactor: Redactor | None = None,
) -> ResolvedKey:
    """The key for `spec` and where it came from (see the module docstring for the order)."""
    redactor = redactor or default_redactor()
    candidates: list[tuple[str, str | None]] = [
        (SOURCE_FLAG, flag_value),
        (f"env:{GENERIC_KEY_VARIABLE}", environ.get(GENERIC_KEY_VARIABLE)),
        *((f"env:{name}", environ.get(name)) for name in spec.key_env),
    ]
    for source, raw in candidates:
        value = _clean(raw)
        if value:
            return ResolvedKey(redactor.admit(value), source)
    if not spec.requires_key:
        return ResolvedKey(None, SOURCE_NOT_REQUIRED)
    if store is not None:
        found = store.lookup(spec.name)
        if found is not None:
            redactor.add_secret(found.secret)
            return ResolvedKey(found.secret, f"store:{found.storage}")
    return ResolvedKey(None, SOURCE_NONE)
