"""The phone gateway's shared secret: from the settings, or — on the development chain only — made once beside the
manifest (readable by its owner only), so the phone menu can be tried at once with the curl `ost up` prints.
Anywhere else, no secret set means the USSD endpoint answers no one."""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path

from pydantic import SecretStr

from ost_chain.chain import DEV_CHAIN_ID
from ost_chain.exceptions import ConfigError
from ost_chain.settings import BridgeSettings

HEADER = "X-OST-Gateway-Secret"


def gateway_secret(settings: BridgeSettings, chain_id: int) -> SecretStr | None:
    """The secret a gateway shows, or None (the endpoint then refuses every call)."""
    if settings.ussd_secret is not None or chain_id != DEV_CHAIN_ID or settings.manifest is None:
        return settings.ussd_secret
    path = development_secret_path(Path(settings.manifest))
    if not path.exists():
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        except FileExistsError:  # another process of the bridge made it just now
            pass
        else:
            with os.fdopen(descriptor, "w") as out:
                out.write(secrets.token_urlsafe(24) + "\n")
    if stat.S_IMODE(path.stat().st_mode) & 0o077:
        raise ConfigError(f"{path} may be read by others: `chmod 600 {path}`.")
    return SecretStr(path.read_text().strip())


def development_secret_path(manifest: Path) -> Path:
    """Where the development chain's gateway secret is kept: beside the town's manifest."""
    return manifest.with_suffix(".gateway-secret")
