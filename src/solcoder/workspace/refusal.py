"""`Refused`: a workspace operation that was not done, with the sentence saying why and what
to do instead (for the model, and for people). Its own module so the tools can name it
without importing the operations."""

from __future__ import annotations


class Refused(Exception):
    """The operation was not done; `str(error)` says why and what to do instead."""
