"""SolCoder: a terminal AI agent for Solana developers.

Kept import-free on purpose: `solcoder --version` must not pay for the LLM stack.
"""

__version__ = "0.1.0"
