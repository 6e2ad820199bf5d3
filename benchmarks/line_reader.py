"""The baseline of the whole-CLI benchmark: the shortest correct streaming client by hand.

    python benchmarks/line_reader.py URL

It posts one chat request to `URL/v1/chat/completions` with httpx2, iterates the body's lines,
`json.loads` each `data:` line and prints every text delta as the JSON line `solcoder -p --json`
prints for it (`{"type":"text_delta","text":...}`), flushed at once as the CLI does. No retries,
deadlines, session, telemetry or typed events: what `benchmarks/ratios.py` compares the whole
`solcoder -p --json` process with (process CPU, startup included on both sides).
"""

from __future__ import annotations

import json
import sys

import httpx2


def main(url: str) -> int:
    body = {"model": "fake-model", "stream": True, "messages": [{"role": "user", "content": "hi"}]}
    headers = {"authorization": "Bearer sk-test-bench"}
    out = sys.stdout
    dumps = json.JSONEncoder(separators=(",", ":")).encode
    with (
        httpx2.Client(timeout=httpx2.Timeout(connect=10, read=120, write=120, pool=None)) as http,
        http.stream("POST", url + "/v1/chat/completions", json=body, headers=headers) as response,
    ):
        response.raise_for_status()
        for line in response.iter_lines():
            if not line.startswith("data: ") or line == "data: [DONE]":
                continue
            choices = json.loads(line[6:]).get("choices") or ()
            text = (choices[0].get("delta") or {}).get("content") if choices else None
            if text:
                out.write(dumps({"type": "text_delta", "text": text}) + "\n")
                out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
