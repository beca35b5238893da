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
    town: str  # the town it acts in (its registry): a key acts in that town only

    @classmethod
    def of(cls, row: ApiKey) -> KeyInfo:
        return cls(row.id, row.coordinator, row.name, row.created_at, row.revoked_at, row.town)

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "coordinator": self.coordinator,
            "town": self.town,
            "name": self.name,
            "createdAt": self.created_at.isoformat() + "Z",
            "revokedAt": self.revoked_at.isoformat() + "Z" if self.revoked_at else None,
        }


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_key(session: Session, coordinator: str, name: str, town: str) -> tuple[str, KeyInfo]:
    """A new key for ``coordinator`` in ``town`` (its registry): the full key (shown once) and what is stored."""
    key_id, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
    row = ApiKey(
        id=key_id,
        digest=_digest(secret),
        coordinator=checksum(coordinator, "coordinator"),
        name=name[:100],
        town=checksum(town, "town"),
        created_at=utcnow(),
    )
    session.add(row)
    session.commit()
    return f"{PREFIX}{key_id}_{secret}", KeyInfo.of(row)


def list_keys(session: Session, town: str) -> list[KeyInfo]:
    """The keys of ``town`` (its registry)."""
    rows = session.scalars(select(ApiKey).where(ApiKey.town == town).order_by(ApiKey.created_at))
    return [KeyInfo.of(row) for row in rows]


def revoke_key(session: Session, key_id: str, town: str) -> tuple[KeyInfo, bool] | None:
    """Revoke ``key_id`` of ``town`` (its registry): the key, and whether this revoked it (False: it was already);
    None when that town has no such key."""
    row = session.get(ApiKey, key_id)
    if row is None or row.town != town:
        return None
    if row.revoked_at is not None:
        return KeyInfo.of(row), False
    row.revoked_at = utcnow()
    session.commit()
    return KeyInfo.of(row), True


def verify_key(session: Session, presented: str) -> KeyInfo | None:
    """The live key ``presented`` is, or None (unknown, wrong secret or revoked)."""
    if not presented.startswith(PREFIX) or presented.count("_") < 2:
        return None
    key_id, _, secret = presented[len(PREFIX) :].partition("_")
    row = session.get(ApiKey, key_id)
    if row is None or not hmac.compare_digest(row.digest, _digest(secret)) or row.revoked_at is not None:
        return None
    return KeyInfo.of(row)
