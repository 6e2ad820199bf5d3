"""API keys: the `Secret` type, where keys come from, and where they are kept.

Split by concern: `secret` (the type), `resolve` (flag > env > storage), `store` (backend
choice), and one module per backend (`keyring_storage`, `encrypted_file`, `plaintext_file`).
`solcoder.secrets` re-exports the public names; this package imports nothing itself, so
`solcoder.redact` can use `credentials.secret` without pulling in the storage code.
"""
