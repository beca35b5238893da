"""The bridge's durable state: API keys, participations, members' relayed actions, their batches, phone accounts,
meals, the lease (:mod:`.tables`), in a database made, migrated and reached through :mod:`.engine`.

SQLite by default (WAL, so readers never wait for the writer); any SQLAlchemy URL, e.g. PostgreSQL,
for several replicas — one worker at a time holds the lease and sends transactions.
"""

from .engine import (
    AWAY,
    BridgeSession,
    DatabaseUnavailable,
    cause,
    database_url,
    is_outage,
    make_engine,
    sessions,
    shown,
)
from .indexed import IndexCursor, IndexedBlock, IndexedEvent, IndexTotal
from .naming import name_unnamed_rows
from .tables import (
    ApiKey,
    Base,
    Batch,
    BatchKind,
    BatchStatus,
    Lease,
    Meal,
    Participation,
    PhoneAccount,
    PhoneMove,
    PhoneOrder,
    RelayRequest,
    RelayStatus,
    Sms,
    Status,
    UssdStep,
    utcnow,
)

__all__ = [
    "name_unnamed_rows",
    "AWAY",
    "ApiKey",
    "Base",
    "Batch",
    "BatchKind",
    "BatchStatus",
    "BridgeSession",
    "DatabaseUnavailable",
    "IndexCursor",
    "IndexTotal",
    "IndexedBlock",
    "IndexedEvent",
    "Lease",
    "Meal",
    "Participation",
    "PhoneAccount",
    "PhoneMove",
    "PhoneOrder",
    "RelayRequest",
    "RelayStatus",
    "Sms",
    "Status",
    "UssdStep",
    "cause",
    "database_url",
    "is_outage",
    "make_engine",
    "sessions",
    "shown",
    "utcnow",
]
