"""Things that answer a `Request` (`base.py`'s `Provider`): the HTTP client (`client.py`), the
scripted offline provider (`scripted.py`) and the local model (`local/`)."""
