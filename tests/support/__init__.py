"""Test helpers shared by the transport and end-to-end suites (the fake LLM server)."""
