"""The worker's lease: one row in the database, held for a few seconds at a time and renewed."""

from __future__ import annotations

import time
import uuid
from datetime import timedelta

from sqlalchemy import update
from sqlalchemy.orm import sessionmaker

from ..db import BridgeSession, Lease, utcnow

LEASE_SECONDS = 10


class LeaseKeeper:
    """Holds (or waits for) the one lease that lets a worker send transactions (row 1), or the index's writer read
    the chain into the database (row 2)."""

    def __init__(self, make_session: sessionmaker[BridgeSession], row: int = 1) -> None:
        self.make_session, self.row = make_session, row
        self.holder = uuid.uuid4().hex
        self.leader = False
        self._until = 0.0

    def hold(self) -> tuple[bool, bool]:
        """Take or renew the lease: (held now, newly taken — so the chain must be reconciled first)."""
        if self.leader and time.monotonic() < self._until - LEASE_SECONDS / 2:
            return True, False
        try:
            return self._take()
        except Exception:
            self.leader = False  # not renewed: another replica may take it when it expires
            raise

    def _take(self) -> tuple[bool, bool]:
        now = utcnow()
        with self.make_session() as session, session.writing():
            row = session.get(Lease, self.row)
            if row is None:
                session.add(Lease(id=self.row, holder=self.holder, expires_at=now + timedelta(seconds=LEASE_SECONDS)))
            elif row.holder == self.holder or row.expires_at < now:
                taken = session.execute(
                    update(Lease)
                    .where(Lease.id == self.row, Lease.holder == row.holder, Lease.expires_at == row.expires_at)
                    .values(holder=self.holder, expires_at=now + timedelta(seconds=LEASE_SECONDS))
                ).rowcount  # type: ignore[attr-defined]
                if not taken:
                    self.leader = False
                    return False, False
            else:
                self.leader = False
                return False, False
        fresh = not self.leader
        self.leader, self._until = True, time.monotonic() + LEASE_SECONDS
        return True, fresh

    def release(self) -> None:
        """Let another replica take over at once."""
        if self.leader:
            with self.make_session() as session, session.writing():
                session.execute(
                    update(Lease).where(Lease.id == self.row, Lease.holder == self.holder).values(expires_at=utcnow())
                )
