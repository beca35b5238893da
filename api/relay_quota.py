"""A member's day of relayed actions: the town's day (in its time zone), what the member has used of it, and the
refusal once today's free actions or gas are used."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select

from ost_chain.gasless import GaslessPolicy
from ost_chain.manifest import TownManifest

from .db import BridgeSession, RelayRequest, RelayStatus
from .i18n import Number, Words
from .problems import Problem


def today(manifest: TownManifest) -> tuple[str, str, int]:
    """The town's day now (YYYY-MM-DD), when the next begins in words (``00:00 SAST``, its zone's name), and the
    seconds until then."""
    now = datetime.now(UTC).astimezone(ZoneInfo(manifest.timeZone))
    midnight = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    seconds = max(1, int((midnight - now).total_seconds()))
    return now.date().isoformat(), f"{midnight:%H:%M} {midnight.tzname()}", seconds


def used_today(session: BridgeSession, signer: str, day: str, town: str) -> tuple[int, int]:
    """What ``signer`` has used of ``day`` in ``town`` (its registry; a member of two towns has a day in each):
    relayed actions counted, and their gas (as used, else estimated)."""
    count, gas = session.execute(
        select(
            func.count(), func.coalesce(func.sum(func.coalesce(RelayRequest.gas_used, RelayRequest.estimate)), 0)
        ).where(
            RelayRequest.signer == signer,
            RelayRequest.day == day,
            RelayRequest.town == town,
            RelayRequest.counted.is_(True),
        )
    ).one()
    return int(count), int(gas)


def town_used_today(session: BridgeSession, day: str, town: str) -> int:
    """The gas ``town``'s (its registry) members' relayed actions of ``day`` took or will take (as used, else as
    estimated; one refused before it was sent took none)."""
    spent = session.scalar(
        select(func.coalesce(func.sum(func.coalesce(RelayRequest.gas_used, RelayRequest.estimate)), 0)).where(
            RelayRequest.town == town,
            RelayRequest.day == day,
            or_(RelayRequest.gas_used.is_not(None), RelayRequest.status != RelayStatus.FAILED),
        )
    )
    return int(spent or 0)


def within_town_budget(spent: int, budget: int, more_gas: int, today: tuple[str, str, int], town: str) -> None:
    """Refuse when ``town``'s day's budget of the relayer's gas (``budget``; 0: none), with ``spent`` already and
    ``more_gas`` for this action, would be passed."""
    if budget and spent + more_gas > budget:
        raise Problem(
            429,
            Words(
                "{town}'s free gas for today is used up: {gas} of its {most} are taken, and this action needs "
                "{more}. Its members' actions are relayed again from {next_day}.",
                town=town,
                gas=Number(spent),
                most=Number(budget),
                more=Number(more_gas),
                next_day=today[1],
            ),
            kind="town-budget-used",
            headers={"Retry-After": str(today[2])},
        )


def within_quota(
    session: BridgeSession,
    signer: str,
    today: tuple[str, str, int],
    p: GaslessPolicy,
    more_gas: int,
    before: tuple[int, int] = (0, 0),
    *,
    town: str,
) -> None:
    """Refuse when ``signer`` has used today's actions, or today's gas with ``more_gas`` added (``before``: what
    the same group queues ahead of this one)."""
    day, next_day, seconds_left = today
    count, gas = used_today(session, signer, day, town)
    count, gas = count + before[0], gas + before[1]
    wait = {"Retry-After": str(seconds_left)}
    if count >= p.free_actions_per_day:
        raise Problem(
            429,
            Words(
                "This member has used today's {actions} free actions; more tomorrow at {next_day}.",
                actions=p.free_actions_per_day,
                next_day=next_day,
            ),
            kind="quota-used",
            headers=wait,
        )
    if more_gas and gas + more_gas > p.gas_per_member_per_day:
        raise Problem(
            429,
            Words(
                "This member has used today's free gas ({gas} of {most}; this action needs {more} more); more "
                "tomorrow at {next_day}.",
                gas=Number(gas),
                most=Number(p.gas_per_member_per_day),
                more=Number(more_gas),
                next_day=next_day,
            ),
            kind="quota-used",
            headers=wait,
        )
