"""TLS for provider connections: which CA store to trust.

Corporate proxies re-sign TLS with their own CA, so the bundle named by the usual variables
wins over the default store; a bundle that cannot be read is a configuration error that names
the variable, not a handshake failure later. Split from `http.py`, which only moves bytes.
"""

from __future__ import annotations

import functools
import os
import ssl

import httpx2

from solcoder.errors import ConfigError

CA_BUNDLE_VARIABLES = ("SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")


def ssl_context_from_environment() -> ssl.SSLContext:
    """The TLS context for provider connections: the CA bundle named by SSL_CERT_FILE,
    REQUESTS_CA_BUNDLE or CURL_CA_BUNDLE (corporate proxies), else SSL_CERT_DIR, else httpx2's
    default store. Built once per distinct environment: loading a CA store takes ~70 ms."""
    names = (*CA_BUNDLE_VARIABLES, "SSL_CERT_DIR")
    return _ssl_context(tuple(os.environ.get(name) or "" for name in names))


@functools.cache
def _ssl_context(paths: tuple[str, ...]) -> ssl.SSLContext:
    for name, path in zip((*CA_BUNDLE_VARIABLES, "SSL_CERT_DIR"), paths, strict=True):
        if not path:
            continue
        try:
            if os.path.isdir(path):
                return ssl.create_default_context(capath=path)
            return ssl.create_default_context(cafile=path)
        except (OSError, ssl.SSLError) as exc:
            raise ConfigError(
                f"{name}={path} does not name a readable CA bundle ({exc}).",
                hint=f"Point {name} at a PEM file of trusted certificates, or unset it.",
            ) from None
    return httpx2.create_ssl_context()
