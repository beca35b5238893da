"""Rows from before they recorded their town, named: a bridge's tables were one town's before one bridge served
several (revisions 0010 and 0011 give the older rows ``""``, and a bridge names its first town in them)."""

from __future__ import annotations

from sqlalchemy import or_, select, update
from sqlalchemy.orm import aliased, sessionmaker

from .engine import BridgeSession
from .tables import (
    ApiKey,
    Batch,
    BatchKind,
    Meal,
    Participation,
    PhoneAccount,
    PhoneMove,
    PhoneOrder,
    RelayRequest,
    Sms,
)


def name_unnamed_rows(make_session: sessionmaker[BridgeSession], first: str) -> int:
    """Rows from before they recorded their town (relayed requests before revision 0010, the rest before 0011) were
    the bridge's first town's: named so (``first``, its registry), once — a replica starting beside finds none left.
    A batch of relayed requests stays unnamed: it carries every town's. The rows named (a meal goes with its
    participation, and is not counted apart).

    A participation written twice during a rolling upgrade — by a replica of the previous version (no town) and by
    one of this version (its town), the same retry — stays unnamed: the named one is the participation, and naming
    the other would break the key that makes a coordinator's id one participation."""
    named = 0
    twin = aliased(Participation)
    taken = (
        select(twin.participation_id)
        .where(
            twin.town == first,
            twin.coordinator == Participation.coordinator,
            or_(twin.participation_id == Participation.participation_id, twin.key == Participation.key),
        )
        .exists()
    )
    with make_session() as session, session.writing():
        # Participations before meals: on PostgreSQL a meal's town follows its participation's (ON UPDATE CASCADE);
        # a meal of a participation left unnamed is left with it.
        done = session.execute(update(Participation).where(Participation.town == "", ~taken).values(town=first))
        named += int(getattr(done, "rowcount", 0) or 0)
        unnamed = (  # the meal's participation left unnamed (a twin's): the meal stays with it
            select(Participation.participation_id)
            .where(
                Participation.town == "",
                Participation.participation_id == Meal.participation_id,
                Participation.coordinator == Meal.recorded_by,
            )
            .exists()
        )
        session.execute(update(Meal).where(Meal.town == "", ~unnamed).values(town=first))
        for table in (RelayRequest, ApiKey, PhoneAccount, PhoneOrder, PhoneMove, Sms):
            done = session.execute(update(table).where(table.town == "").values(town=first))
            named += int(getattr(done, "rowcount", 0) or 0)
        done = session.execute(update(Batch).where(Batch.town == "", Batch.kind != BatchKind.RELAY).values(town=first))
        named += int(getattr(done, "rowcount", 0) or 0)
    return named
