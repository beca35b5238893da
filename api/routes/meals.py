"""The community kitchen: the meal served for a participation, at most one each."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..db import Meal, Participation
from ..deps import KeyDep, ServedDep, SessionDep, require_coordinator, require_key
from ..i18n import Words
from ..models import MealCreate, MealPublic
from ..problems import Problem

router = APIRouter(prefix="/v1/meals", tags=["meals"])


@router.post(
    "",
    status_code=201,
    response_model=MealPublic,
    operation_id="recordMeal",
    responses={200: {"description": "Already recorded, identically."}, 409: {"description": "Recorded differently."}},
)
def record_meal(body: MealCreate, served: ServedDep, key: KeyDep, session: SessionDep) -> JSONResponse:
    """Record the community-kitchen meal served for a participation in the town (at most one each)."""
    key = require_key(key, Words("Recording a meal"))
    require_coordinator(served.chain, key.coordinator)
    town, registry = served.manifest, served.registry
    participation = session.get(Participation, (body.participation_id, key.coordinator, registry)) or (
        session.scalars(
            select(Participation).where(
                Participation.participation_id == body.participation_id, Participation.town == registry
            )
        ).first()
    )
    if participation is None:
        raise Problem(
            404, Words("No participation '{id}' was submitted here.", id=body.participation_id), kind="not-found"
        )
    if participation.coordinator != key.coordinator:  # another coordinator's (each coordinator's ids are its own)
        raise Problem(
            403,
            Words(
                "This participation was confirmed by {coordinator}: only that coordinator records the meal that went "
                "with it.",
                coordinator=participation.coordinator,
            ),
            kind="not-your-participation",
        )
    zone = ZoneInfo(town.timeZone)
    given = body.served_at or datetime.now(UTC)
    if given.tzinfo is None:  # a time without an offset is the town's clock
        given = given.replace(tzinfo=zone)
    served_at = given.astimezone(UTC).replace(tzinfo=None)
    existing = session.get(Meal, (body.participation_id, key.coordinator, registry))
    if existing is not None and existing.note is None and existing.served_at == participation.created_at:
        # Recorded from the participation's own "meal": true, when it was accepted: the coordinator now says when
        # it was served, and what.
        with session.writing():
            existing.served_at = served_at
            existing.served_on = given.astimezone(zone).date().isoformat()
            existing.note = body.note
        return JSONResponse(public(existing).model_dump(mode="json"), status_code=201)
    if existing is not None:
        if body.served_at is None or (existing.served_at, existing.note) == (served_at, body.note):
            return JSONResponse(public(existing).model_dump(mode="json"), status_code=200)
        raise Problem(409, Words("A meal was already recorded for {id}.", id=body.participation_id), kind="conflict")
    meal = Meal(
        participation_id=body.participation_id,
        served_on=given.astimezone(zone).date().isoformat(),  # the town's day, not UTC's
        served_at=served_at,
        member=participation.member,
        note=body.note,
        recorded_by=key.coordinator,
        town=registry,
    )
    try:
        with session.writing():
            session.add(meal)
    except IntegrityError:
        session.rollback()
        raise Problem(
            409, Words("A meal was already recorded for {id}.", id=body.participation_id), kind="conflict"
        ) from None
    return JSONResponse(public(meal).model_dump(mode="json"), status_code=201)


@router.get("", response_model=list[MealPublic])
def list_meals(
    session: SessionDep,
    served: ServedDep,
    key: KeyDep,
    day: Annotated[date, Query(alias="date", description="YYYY-MM-DD, the town's own day (its time zone)")],
) -> list[MealPublic]:
    """The meals the town's kitchen served on one day (who ate there: a coordinator's API key of the town is needed)."""
    require_key(key, Words("Reading the kitchen's meals"))
    served_that_day = (Meal.town == served.registry, Meal.served_on == day.isoformat())
    rows = session.scalars(select(Meal).where(*served_that_day).order_by(Meal.served_at))
    return [public(m) for m in rows]


def public(m: Meal) -> MealPublic:
    return MealPublic(
        participation_id=m.participation_id,
        member=m.member,
        served_on=m.served_on,
        served_at=m.served_at.replace(tzinfo=UTC),
        note=m.note,
        recorded_by=m.recorded_by,
    )
