"""Fast key derivation for the credential tests: scrypt with a small n inside the block.

Files written inside record their (weak) parameters in their header, so they stay readable
afterwards. Kept here, not in `src/`: the product has no test hooks.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest

from solcoder.credentials import encrypted_file
from solcoder.credentials.encrypted_file import KdfParameters


@contextlib.contextmanager
def cheap_kdf(log2_n: int = 10) -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(encrypted_file, "KDF_PARAMETERS", KdfParameters(log2_n=log2_n, r=8, p=1))
        yield
