"""The `local` provider: llama.cpp's prebuilt server on a GGUF model, run by SolCoder.

`model.py` fetches the bundled model, `child.py` is the model process, `server.py` starts and
watches it, `provider.py` speaks to it over HTTP through the ordinary `LLMClient`. Importing this
package imports none of them (the CLI's start-up time does not move).
"""
