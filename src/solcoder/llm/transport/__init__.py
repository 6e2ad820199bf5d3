"""Getting bytes to and from a provider: the only network I/O in SolCoder.

`http.py` (httpx2, timeouts, the streaming loop), `http_errors.py` (status and body to error),
`retry.py` (the policy), `deadline.py` (timeouts and the cheap per-read watchdog),
`streaming.py` (one call, retried), `sync_loop.py` (the sync bridge), `tls.py` (which CA
store), `llamacpp.py` (llama.cpp's `/props` probe) and `stats.py` (what one call cost).
"""
