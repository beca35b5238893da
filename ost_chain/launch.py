"""Where a town stands on the seed's launch steps, and its 12-month plan with what is done — read from the chain
(and, for the kitchen, from the town's bridge)."""

from __future__ import annotations

import hashlib
from typing import Any

from .bridgeclient import BridgeClient
from .documents import canonical_plan
from .enums import NATIVE, DocumentKind, Phase, Role
from .exceptions import OstError
from .units import numbered

SEED_BUSINESSES = (50, 100)  # the seed: a town lists 50 to 100 feasible businesses
FIRST_PLANS = 3  # the seed: business plans written for the first three


def checklist(town: Any, bridge_url: str | None = None) -> list[dict[str, Any]]:
    """The seed's steps in order: each ``{"step", "done", "detail"}``; ``done`` is None when it cannot be known."""
    registry, network = town.registry.functions, town.network.functions
    country = town.country_code
    listed = int(town.factory.functions.businessCount().call())
    active = [p for p in town.projects() if p["active"]]
    members = int(registry.memberCount().call())
    ambassador = network.countryAmbassador(country).call()
    plans = [
        town.factory.functions.document(i, DocumentKind.BUSINESS_PLAN).call()[1] > 0
        for i in range(min(FIRST_PLANS, listed))
    ]
    open_now = [s for s in town.sales() if s.phase in Phase.open_labels()]
    meals: int | None = None
    if bridge_url:
        try:
            bridge = BridgeClient(bridge_url)
            base = bridge.route(town.registry.address, town.name)  # the town's door on a bridge of several
            meals = int(bridge.call("GET", f"{base}/town").get("mealsServed", 0))
        except OstError:
            meals = None
    low, high = SEED_BUSINESSES
    return [
        _step("Town Ambassador appointed", registry.roleHolderCount(Role.id(Role.TOWN_AMBASSADOR)).call() > 0, ""),
        _step(
            "Country Ambassador in place",
            ambassador != NATIVE,
            ambassador if ambassador != NATIVE else f"none for {country.decode()}: the OST office appoints one first",
        ),
        _step("Members signed up", members > 0, numbered(members, "member")),
        _step("Projects active", bool(active), f"{numbered(len(active), 'project')} earning INF"),
        _step("Businesses listed", low <= listed, f"{listed} listed; the seed lists {low} to {high}"),
        _step(
            f"Business plans written for the first {FIRST_PLANS}",
            len(plans) == FIRST_PLANS and all(plans),
            f"{sum(plans)} of the first {min(FIRST_PLANS, listed)} published",
        ),
        _step(
            "Kitchen meals served",
            None if meals is None else meals > 0,
            numbered(meals, "meal") if meals is not None else "unknown: the town's bridge did not answer",
        ),
        _step("First sale open", bool(open_now), f"{numbered(len(open_now), 'sale')} open now"),
        _step("12-month plan published", int(registry.townPlan().call()[1]) > 0, ""),
        _step("Launched", bool(registry.launched().call()), ""),
    ]


def _step(step: str, done: bool | None, detail: str) -> dict[str, Any]:
    return {"step": step, "done": done, "detail": detail}


def town_plan(town: Any, worked: set[int] | None = None) -> dict[str, Any]:
    """The 12-month plan the manifest keeps, whether it is the one published on chain, and where each milestone
    stands as far as the chain can tell: ``done`` when its businesses are listed (the chain shows that), ``underWay``
    when every one of its projects has had a shift worked (the chain shows people at work, not that the work is
    finished: a roof fixed is for people to see), and ``projectsWorked`` those of them that have; None for what the
    chain cannot tell. ``worked``: the projects worked, where the caller knows them (the bridge's index)."""
    milestones = list(town.record.twelveMonthPlan)
    digest, version, uri = town.registry.functions.townPlan().call()
    matches = bool(milestones) and hashlib.sha256(canonical_plan(milestones)).digest() == bytes(digest)
    listed = int(town.factory.functions.businessCount().call())
    if worked is None:
        worked = town.projects_worked() if any(m.get("projects") for m in milestones) else set()
    rows = []
    for m in sorted(milestones, key=lambda m: m["month"]):
        done = listed >= int(m["businesses"]) if m.get("businesses") else None
        under_way = set(m["projects"]) <= worked if m.get("projects") else None
        started = sorted(set(m.get("projects") or ()) & worked)  # what part is under way, when not all of it is
        rows.append({**m, "done": done, "underWay": under_way, "projectsWorked": started})
    return {"version": int(version), "sha256": bytes(digest).hex(), "uri": uri, "matches": matches, "milestones": rows}
