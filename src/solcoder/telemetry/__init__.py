"""Per-call telemetry: a record of every model call in `$SOLCODER_HOME/telemetry.db`.

`wrap_for_telemetry` wraps a provider so each call is measured (`recorder.py`) and written by a
background thread (`writer.py`) into SQLite (`store.py`) and, when the OTLP variables are set,
OpenTelemetry (`otel.py`). `stats.py` reads it back for `solcoder logs` and `solcoder stats`;
`render.py` draws it. Importing this package is cheap: rich and OpenTelemetry load when used.
"""

from solcoder.telemetry.record import CallRecord, failure_class
from solcoder.telemetry.recorder import RecordingProvider, wrap_for_telemetry
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
    "RecordingProvider",
    "TelemetryStore",
    "TelemetryStoreError",
    "TelemetryWriter",
    "close_all_writers",
    "database_path",
    "failure_class",
    "wrap_for_telemetry",
    "writer_for",
]
