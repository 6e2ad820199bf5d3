"""First run: ask for a missing API key in the terminal, hidden, and offer to save it.

Saving may fail (no passphrase after the tries the file backend allows, a full disk): the
pasted key is then used for the run anyway and the user is told it was not saved.

Only when both stdin and stdout are terminals; scripts and CI get the exit-2 message with the
exact variable and command instead, so nothing ever waits for input that cannot come.
"""

from __future__ import annotations

import getpass
import sys
from typing import TYPE_CHECKING

from solcoder.llm.catalog.providers import ProviderSpec
from solcoder.secret import Secret

if TYPE_CHECKING:
    from solcoder.credentials.store import CredentialStore


def interactive() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty()


def _ask_yes(question: str) -> bool:
    sys.stderr.write(f"{question} [Y/n] ")
    sys.stderr.flush()
    answer = sys.stdin.readline().strip().lower()
    return answer in {"", "y", "yes"}


def prompt_for_key(spec: ProviderSpec, store: CredentialStore) -> Secret | None:
    """The key typed by the user (saved if they agree), or None if they entered nothing."""
    from solcoder.errors import StorageError
    from solcoder.redact import admit, redact

    where = f" (create one at {spec.key_url})" if spec.key_url else ""
    sys.stderr.write(
        f"No API key found for {spec.name}{where}.\n"
        f"Paste it below; the input is hidden. Leave it empty to stop.\n"
    )
    try:
        key = getpass.getpass(f"{spec.name} API key: ", stream=sys.stderr).strip()
    except EOFError:
        return None
    if not key:
        return None
    secret = admit(key)
    if _ask_yes(f"Save it to {store.description} for next time?"):
        try:
            kind = store.set(spec.name, secret)
        except StorageError as error:
            # The pasted key is still good for this run: never end the program over saving it.
            sys.stderr.write(
                redact(
                    f"{error} The key was not saved; it is used for this run only. Save it "
                    f"later with `solcoder auth login {spec.name}`.\n"
                )
            )
            return secret
        for notice in getattr(store, "notices", ()):
            sys.stderr.write(f"{notice}\n")
        sys.stderr.write(
            f"Saved the {spec.name} key ({kind}). Change it later with "
            f"`solcoder auth rotate {spec.name}`.\n"
        )
    return secret
