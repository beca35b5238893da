"""A plan changed after its town was deployed: what the contracts allow is applied by the deployment (rates, caps,
investor parts and coordinators are steps it re-checks on every run; here, coordinators and projects the plan no
longer names), and what they do not allow is said, one note each."""

from __future__ import annotations

from typing import TYPE_CHECKING

from web3.contract import Contract

from ._deployed import holds_role
from .units import numbered

if TYPE_CHECKING:
    from .deploy import Deployment


def coordinators(d: Deployment) -> list[str]:
    """Who confirms shifts: the plan's coordinators, and the Town Ambassador by default — except in a town deployed
    before that default whose plan does not ask for it (a role is never granted unasked)."""
    before = d.manifest.roles().get("coordinators")
    plan = d.plan
    if (
        before is not None
        and "ambassador_coordinates" not in plan.model_fields_set
        and plan.town_ambassador not in before
    ):
        return list(plan.coordinators)
    return plan.all_coordinators


def dropped_coordinators(d: Deployment) -> list[str]:
    """The coordinators the last deployment appointed that the plan no longer names."""
    now = coordinators(d)
    return [c for c in d.manifest.roles().get("coordinators", []) if c not in now]


def dropped_projects(d: Deployment) -> list[int]:
    """The projects the last deployment set up that the plan no longer names."""
    planned = {p.id for p in d.plan.projects}
    recorded = [key.split(":", 1)[1] for key in d.manifest.steps() if key.startswith("project:")]
    return [int(k) for k in recorded if k.isdigit() and int(k) not in planned]


def revoke_dropped_coordinators(d: Deployment, registry: Contract, role: bytes, ambassador: str) -> None:
    """A coordinator the last deployment appointed and the plan no longer names loses the role."""
    for coordinator in dropped_coordinators(d):
        d.step(
            f"revoke:COORDINATOR_ROLE:{coordinator}",
            registry.functions.revokeRole(role, coordinator),
            ambassador,
            done=lambda c=coordinator: not holds_role(registry, role, c),  # type: ignore[misc]
            ensure=True,
        )


def close_dropped_projects(d: Deployment, infinity: Contract, ambassador: str) -> None:
    """A project the last deployment set up and the plan no longer names stops earning (its rate is kept)."""
    for project_id in dropped_projects(d):
        tokens, minutes, active = infinity.functions.project(project_id).call()
        d.step(
            f"project:{project_id}:closed",
            infinity.functions.setProject(project_id, tokens, minutes, False),
            ambassador,
            done=lambda a=active: not a,  # type: ignore[misc]
            ensure=True,
        )


def unchangeable(d: Deployment, registry: Contract) -> list[str]:
    """Everything the plan changed that the contracts keep as it was, in words (the manifest keeps every member)."""
    notes = []
    planned = set(d.plan.members)
    dropped = [m for m in d.manifest.members() if m not in planned]
    if dropped:
        notes.append(
            f"{numbered(len(dropped), 'member')} left the plan but stay members on chain; remove them with "
            "`ost members remove` if they should go."
        )
    name, country = registry.functions.name().call(), bytes(registry.functions.countryCode().call()).decode()
    if name != d.plan.town or country != d.plan.country:
        notes.append(
            f"The town is {name} ({country}) on chain: a deployed town's name and country cannot change "
            f"(the plan says {d.plan.town}, {d.plan.country})."
        )
    roles = d.manifest.roles()
    for field, key, title in (
        ("ost_office", "ostOffice", "OST office"),
        ("country_ambassador", "countryAmbassador", "Country Ambassador"),
        ("town_ambassador", "townAmbassador", "Town Ambassador"),
    ):
        was, now = roles.get(key), getattr(d.plan, field)
        if was and was != now:
            notes.append(
                f"The {title} changed in the plan ({was} → {now}): the new one holds the role now, and {was} "
                "keeps it until the OST office revokes it (`ost` cannot take a role away by plan)."
            )
    symbols = {b.symbol for b in d.plan.businesses}
    gone = [s for s in d.manifest.businesses() if s not in symbols]
    if gone:
        notes.append(f"Businesses {', '.join(gone)} left the plan; a listed business cannot be unlisted.")
    notes.extend(_changed_terms(d))
    return notes


def _changed_terms(d: Deployment) -> list[str]:
    """Listed businesses whose terms in the plan differ from their sale's on chain: those are fixed at listing."""
    listed = [(b, r) for b in d.businesses if (r := d.manifest.business(b.symbol))]
    if not listed:
        return []
    sales = [d.client.at("ShareSale", record["sale"]).functions.terms() for _, record in listed]
    notes = []
    for (business, _), terms in zip(listed, d.client.call_many(sales), strict=True):
        differ = [
            word
            for word, planned, actual in (
                ("price", business.price_units, terms.price),
                ("shares", business.shares, terms.sharesOffered),
                ("minimum", business.minimum, terms.minShares),
                ("max_per_buyer", business.max_per_buyer, terms.maxPerBuyer),
                ("asset", business.asset.lower(), str(terms.paymentAsset).lower()),
            )
            if planned != actual
        ]
        if differ:
            notes.append(
                f"{business.symbol}: {', '.join(differ)} differ from its sale on chain; a listed business's terms "
                "are fixed (list a new business for new terms)."
            )
    return notes
