"""Lost wallets: where the recovery of an address stands."""

from __future__ import annotations

from fastapi import APIRouter

from ..deps import ChainDep, path_address
from ..models import RecoveryPublic

router = APIRouter(prefix="/v1/recoveries", tags=["recoveries"])


@router.get("/{address}")
def get_recovery(address: str, chain: ChainDep) -> RecoveryPublic:
    """Where the recovery of a lost address stands: none, proposed (to whom, by which Town Ambassador,
    awaiting the Country Ambassador) or confirmed (moved to the replacement, the old address refused)."""
    return RecoveryPublic(**chain.recovery(path_address(address)))
