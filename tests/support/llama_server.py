"""Test helper: llama.cpp's prebuilt server (xllamacpp) on loopback, run as its own process.

`python -m tests.support.llama_server MODEL PORT` serves MODEL on 127.0.0.1:PORT; the bearer
key it demands, if any, comes from LLAMA_TEST_API_KEY (never argv). This stands for "a llama.cpp
server the user started"; the project's own child process is not used, so the `llamacpp`
provider is tested against the server alone. Prints READY once listening; exits when stdin
closes, so a test that dies leaves nothing behind.
"""

from __future__ import annotations

import os
import sys


def main() -> None:
    import xllamacpp

    model, port = sys.argv[1], int(sys.argv[2])
    params = xllamacpp.CommonParams()
    params.model.path = model
    params.hostnames = ["127.0.0.1"]
    params.port = port
    params.n_ctx = int(os.environ.get("LLAMA_TEST_CTX", "8192"))
    params.ui = False
    key = os.environ.get("LLAMA_TEST_API_KEY")
    if key:
        params.api_keys = [key]
    server = xllamacpp.Server(params)
    print("READY", server.listening_address, flush=True)
    sys.stdin.read()
    os._exit(0)


if __name__ == "__main__":
    main()
