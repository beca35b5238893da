"""Who holds a role now, and who is a country resident now, read from the registry's events (the contract keeps
no list of either)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .enums import Role

if TYPE_CHECKING:
    from ._town_reads import TownReader


def role_holders(town: TownReader, role: str) -> list[str]:
    """Every address holding ``role`` now, in the order each was first granted it."""
    role_id = Role.id(role)
    events = town.registry.events
    granted = events.RoleGranted().get_logs(from_block=town._from_block, argument_filters={"role": role_id})
    revoked = events.RoleRevoked().get_logs(from_block=town._from_block, argument_filters={"role": role_id})
    changes = sorted([*granted, *revoked], key=lambda e: (e["blockNumber"], e["logIndex"]))
    holders: dict[str, None] = {}
    for event in changes:
        account = str(event["args"]["account"])
        if event["event"] == "RoleGranted":
            holders[account] = None
        else:
            holders.pop(account, None)
    return list(holders)


def projects(town: TownReader) -> list[dict[str, Any]]:
    """Every project as it stands now: its number, INF per shift (smallest unit), shift length, whether it earns."""
    latest: dict[int, Any] = {}
    for event in town.infinity.events.ProjectSet().get_logs(from_block=town._from_block):
        latest[int(event["args"]["projectId"])] = event["args"]
    return [
        {
            "projectId": pid,
            "infPerShift": int(a["tokensPerShift"]),
            "shiftMinutes": int(a["shiftMinutes"]),
            "active": bool(a["active"]),
        }
        for pid, a in sorted(latest.items())
    ]


def residents(town: TownReader) -> list[str]:
    """Every verified resident of the town's country now, in the OST network (a recovery in any town of the
    country moves a resident to the new address: the network says so with two events)."""
    found: dict[str, None] = {}
    changes = town.network.events.CountryResidentSet().get_logs(
        from_block=town.network_block, argument_filters={"country": town.country_code}
    )
    for event in sorted(changes, key=lambda e: (e["blockNumber"], e["logIndex"])):
        args = event["args"]
        if args["resident"]:
            found[str(args["account"])] = None
        else:
            found.pop(str(args["account"]), None)
    return list(found)
