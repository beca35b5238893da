"""Per-coordinator API keys: ``ost_<id>_<secret>``; only the id and a SHA-256 of the secret are stored.

The secret is 256 random bits, so a fast hash is enough: there is nothing to guess by brute force.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ost_chain.units import checksum

from .db import ApiKey, utcnow

PREFIX = "ost_"


@dataclass(frozen=True)
class KeyInfo:
    id: str
    coordinator: str
    name: str
    created_at: datetime
    revoked_at: datetime | None

    @classmethod
    def of(cls, row: ApiKey) -> KeyInfo:
        return cls(row.id, row.coordinator, row.name, row.created_at, row.revoked_at)

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "coordinator": self.coordinator,
            "name": self.name,
            "createdAt": self.created_at.isoformat() + "Z",
            "revokedAt": self.revoked_at.isoformat() + "Z" if self.revoked_at else None,
        }


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_key(session: Session, coordinator: str, name: str) -> tuple[str, KeyInfo]:
    """A new key for ``coordinator``: the full key (shown once) and what is stored."""
    key_id, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
    row = ApiKey(
        id=key_id,
        digest=_digest(secret),
        coordinator=checksum(coordinator, "coordinator"),
        name=name[:100],
        created_at=utcnow(),
    )
    session.add(row)
    session.commit()
    return f"{PREFIX}{key_id}_{secret}", KeyInfo.of(row)


def list_keys(session: Session) -> list[KeyInfo]:
    return [KeyInfo.of(row) for row in session.scalars(select(ApiKey).order_by(ApiKey.created_at))]


def revoke_key(session: Session, key_id: str) -> KeyInfo | None:
    row = session.get(ApiKey, key_id)
    if row is None:
        return None
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        session.commit()
    return KeyInfo.of(row)


def verify_key(session: Session, presented: str) -> KeyInfo | None:
    """The live key ``presented`` is, or None (unknown, wrong secret or revoked)."""
    if not presented.startswith(PREFIX) or presented.count("_") < 2:
        return None
    key_id, _, secret = presented[len(PREFIX) :].partition("_")
    row = session.get(ApiKey, key_id)
    if row is None or not hmac.compare_digest(row.digest, _digest(secret)) or row.revoked_at is not None:
        return None
    return KeyInfo.of(row)
