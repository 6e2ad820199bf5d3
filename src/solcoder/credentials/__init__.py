"""API keys: the `Secret` type, where keys come from, and where they are kept.

Split by concern: `resolve` (flag > env > storage), `store` (backend choice), and one module
per backend (`keyring_storage`, `encrypted_file`, `plaintext_file`); the `Secret` type itself
sits below them, beside the redactor (`solcoder/secret.py`, `solcoder/redact.py`), so that
redaction depends on nothing here. Import the names from their modules; this package imports
nothing itself. (It replaced a `solcoder/secrets.py` façade: two doors to one room, and a name
that shadowed the standard library's `secrets`.)
"""
