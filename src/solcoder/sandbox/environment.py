"""The environment a model-written command gets: the parent's, minus every secret in it.

SolCoder's own process holds provider keys in its environment (`OPENAI_API_KEY`, …) and the
user's shell often adds more (`GITHUB_TOKEN`, `AWS_SECRET_ACCESS_KEY`). A sandbox that hides
`~/.config/solana` but hands the command `env` would leak them anyway, so variables go by two
tests, both needed:

* by name: every provider's key variables (`ProviderSpec.key_env` in the catalog, plus the
  caller's `extra_secret_names` for providers from config), and generic patterns for keys,
  tokens, secrets, passwords and credentials, cloud credentials (`AWS_*`), SolCoder's own
  settings (`SOLCODER_*`), and sockets that sign or unlock for you (`SSH_AUTH_SOCK`,
  `GPG_AGENT_INFO`, the D-Bus session bus where the keyring answers);
* by value: a variable whose value the process redactor would mask, a key SolCoder knows
  (whatever the variable is called) or a known key shape (`sk-…`, a URL with a password),
  or that contains the value of a variable dropped by name.

The build's variables (PATH, HOME, LANG, TERM, CARGO_HOME, RUSTUP_HOME, SOLANA_*, …) stay,
unless their value holds a secret. This runs for every command, sandboxed or not ("off" still
scrubs: keys are never a command's business).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping

__all__ = ["SECRET_NAME_PATTERN", "provider_key_names", "scrubbed_environment"]

SECRET_NAME_PATTERN = re.compile(
    r"""
    .*(_API_?KEY|_ACCESS_?KEY|_PRIVATE_?KEY|_KEY_?ID|_TOKEN|_AUTH)$
    | .*(SECRET|PASSWORD|PASSWD|PASSPHRASE|CREDENTIAL|COOKIE|SESSION_?KEY).*
    | (AWS|AZURE|GOOGLE_APPLICATION|GCLOUD|CLOUDSDK_AUTH|SOLCODER|ANTHROPIC|OPENAI)_.*
    | API_?KEY | TOKEN | (GH|GITHUB|GITLAB|NPM|NODE_AUTH|CARGO_REGISTRY|HF|HUGGING_FACE)_.*TOKEN.*
    | CARGO_REGISTRIES_.*_TOKEN
    | SSH_AUTH_SOCK | SSH_AGENT_PID | GPG_AGENT_INFO | DBUS_SESSION_BUS_ADDRESS
    | KUBECONFIG | DOCKER_AUTH_CONFIG | NETRC
    """,
    re.VERBOSE,
)
"""Matched against the upper-cased name, in full."""

MINIMUM_COPIED_LENGTH = 16
"""A dropped variable's value this long is a secret wherever it appears in another variable
(`OPENAI_API_KEY=sk-…` copied into `MY_TOOL_ARGS`, before SolCoder has read the key); shorter
ones (`AWS_REGION=us-east-1`) would only drop harmless variables."""


@functools.cache
def provider_key_names() -> frozenset[str]:
    """Every key variable of every built-in provider (imported on the first command, not at
    start-up: the catalog pulls in the wire modules)."""
    from solcoder.llm.catalog.providers import BUILTIN_PROVIDERS

    return frozenset(name for spec in BUILTIN_PROVIDERS.values() for name in spec.key_env)


def scrubbed_environment(
    environ: Mapping[str, str], *, extra_secret_names: Iterable[str] = ()
) -> dict[str, str]:
    """`environ` without the variables that are, or hold, secrets (module docstring)."""
    from solcoder.redact import default_redactor

    redactor = default_redactor()
    named = provider_key_names() | {name.upper() for name in extra_secret_names}
    candidates: dict[str, str] = {}
    dropped_values: set[str] = set()
    for name, value in environ.items():
        upper = name.upper()
        if upper in named or SECRET_NAME_PATTERN.fullmatch(upper):
            if len(value) >= MINIMUM_COPIED_LENGTH:
                dropped_values.add(value)
            continue
        candidates[name] = value
    kept: dict[str, str] = {}
    for name, value in candidates.items():
        if value and redactor.redact(value) != value:
            continue
        if any(secret in value for secret in dropped_values):
            continue
        kept[name] = value
    return kept
