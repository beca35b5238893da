"""What the chain already holds: the checks that let a deployment step be skipped when it was done before."""

from __future__ import annotations

from web3.contract import Contract


def holds_role(registry: Contract, role: bytes, holder: str) -> bool:
    return bool(registry.functions.hasRole(role, holder).call())


def has_cap(infinity: Contract, coordinator: str, cap: int) -> bool:
    return bool(infinity.functions.coordinatorDay(coordinator).call()[0] == cap)


def is_resident(registry: Contract, resident: str) -> bool:
    return bool(registry.functions.isCountryResident(resident).call())


def accepts(distributor: Contract, asset: str) -> bool:
    return bool(distributor.functions.isAcceptedAsset(asset).call())
