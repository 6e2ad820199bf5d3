"""Providers that wrap a provider: budgets and trimming (`budget.py`) and telemetry
(`recording.py`), both built on `base.py`'s declared wrapper interface."""
