"""Per-call telemetry: a record of every model call in `$SOLCODER_HOME/telemetry.db`.

`solcoder.middleware.recording.wrap_for_telemetry` wraps a provider so each call is measured
and hands the record to a background thread (`writer.py`) that writes SQLite (`store.py`)
and, when the OTLP variables are set, OpenTelemetry (`otel.py`). `stats.py` reads it back for
`solcoder logs` and `solcoder stats`; `render.py` draws it. Importing this package is cheap:
rich and OpenTelemetry load when used.
"""

from solcoder.telemetry.record import CallRecord, failure_class
from solcoder.telemetry.store import (
    DATABASE_NAME,
    SCHEMA_VERSION,
    TelemetryStore,
    TelemetryStoreError,
    database_path,
)
from solcoder.telemetry.writer import TelemetryWriter, close_all_writers, writer_for

__all__ = [
    "DATABASE_NAME",
    "SCHEMA_VERSION",
    "CallRecord",
    "TelemetryStore",
    "TelemetryStoreError",
    "TelemetryWriter",
    "close_all_writers",
    "database_path",
    "failure_class",
    "writer_for",
]
