"""API keys: the `Secret` type, where keys come from, and where they are kept.

Split by concern: `secret` (the type), `resolve` (flag > env > storage), `store` (backend
choice), and one module per backend (`keyring_storage`, `encrypted_file`, `plaintext_file`).
Import the names from their modules (`credentials.store`, `.resolve`, `.secret`); this package
imports nothing itself, so `solcoder.redact` can use `credentials.secret` without pulling in
the storage code. (It replaced a `solcoder/secrets.py` façade: two doors to one room, and a
name that shadowed the standard library's `secrets`.)
"""
