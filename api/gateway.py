"""The phone gateway's shared secret: from the settings, or — on the development chain only — made once beside the
manifest (readable by its owner only), so the phone menu can be tried at once with the curl `ost up` prints.
Anywhere else, no secret set means the USSD endpoint answers no one."""

from __future__ import annotations

import secrets
from pathlib import Path

from pydantic import SecretStr

from ost_chain.chain import DEV_CHAIN_ID

from .custody import development_secret
from .settings import BridgeSettings

HEADER = "X-OST-Gateway-Secret"


def gateway_secret(settings: BridgeSettings, chain_id: int) -> SecretStr | None:
    """The secret a gateway shows, or None (the endpoint then refuses every call)."""
    if settings.ussd_secret is not None or chain_id != DEV_CHAIN_ID or settings.manifest is None:
        return settings.ussd_secret
    path = development_secret_path(Path(settings.manifest))
    return SecretStr(development_secret(path, lambda: secrets.token_urlsafe(24)))


def development_secret_path(manifest: Path) -> Path:
    """Where the development chain's gateway secret is kept: beside the town's manifest."""
    return manifest.with_suffix(".gateway-secret")
