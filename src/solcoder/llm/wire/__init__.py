"""What goes over the wire, and nothing else: pure bytes in, events out, no I/O, no clocks.

`sse.py` splits a byte stream into server-sent events, `assemble.py` folds streamed pieces by
index, one adapter per protocol (`openai_chat`, `openai_responses`, `anthropic`) encodes a
`Request` and decodes the reply, `error_bodies.py` maps each vendor's error body to our error
tree, `headers.py` reads `Retry-After`, `forced_tool.py` forces a call where `tool_choice` is
ignored, and `names.py` names the wires once.
"""
