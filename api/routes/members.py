"""Members and investors: what one address holds in the town."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from sqlalchemy import func, select

from ..db import Meal, Participation, Status
from ..deps import ChainDep, IndexDep, ServedDep, SessionDep, path_address
from ..models import MemberPublic

router = APIRouter(prefix="/v1/members", tags=["members"])


@router.get("/{address}", operation_id="getMember")
def get_member(address: str, chain: ChainDep, session: SessionDep, served: ServedDep) -> MemberPublic:
    """A member's (or investor's) INFINITY, shares, claimable profit, refunds due, and meals (the meals and pending
    participations the bridge recorded in this town)."""
    checked = path_address(address)
    view, town = chain.member(checked), served.registry
    meals = session.scalar(select(func.count()).select_from(Meal).where(Meal.member == checked, Meal.town == town)) or 0
    waiting = Participation.status.in_((Status.QUEUED, Status.SUBMITTED))
    pending = (
        session.scalar(
            select(func.count())
            .select_from(Participation)
            .where(Participation.member == checked, Participation.town == town, waiting)
        )
        or 0
    )
    return MemberPublic(
        **{
            **view,
            "infinity": str(view["infinity"]),
            "claimable": {k: str(v) for k, v in view["claimable"].items()},
            "refundsDue": [{**r, "amount": str(r["amount"])} for r in view["refundsDue"]],
            "meals": int(meals),
            "participationsPending": int(pending),
        }
    )


@router.get("/{address}/history", operation_id="getMemberHistory")
def get_member_history(address: str, index: IndexDep) -> list[dict[str, Any]]:
    """What happened to this address in the town, newest first (the latest 50): rewards with their project, baskets,
    profit claimed as a member and as an investor, share purchases and refunds — each with its date (``time``, unix)
    and amount in the smallest unit of its asset (``asset``: ``INF`` or the asset's address)."""
    return index.history(path_address(address))
