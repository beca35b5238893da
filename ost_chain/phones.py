"""Members with a feature phone, as the Town and Country Ambassadors manage them: through the town's bridge.

The bridge holds a phone member's key; an ambassador holds their own. Each step is an *order* the
ambassador signs (EIP-712, bound to the town by its registry, a nonce and a deadline of ten minutes)
and hands to the bridge, which checks the signature and the signer's role on chain before it acts.
So an ambassador needs neither the bridge's database nor its custody secret, and the bridge acts on
nobody's word but theirs: a lost SIM moves only with both ambassadors' signatures.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import time
from typing import Any

from eth_account.signers.local import LocalAccount

from .bridgeclient import BridgeClient
from .eip712 import phone_order_typed_data, sign_typed
from .townclient import Town

ORDER_SECONDS = 600  # an order is good for ten minutes: long enough to send, too short to be kept for later
ACTIONS = ("sign-up", "reset-pin", "propose-move", "confirm-move", "list")
ONE_TIME_PIN_DIGITS = 6


def pin_digest(pin: str) -> str:
    """What a reset order signs of the one-time PIN it carries (so nobody swaps the PIN on its way)."""
    return hashlib.sha256(pin.encode()).hexdigest()


def order(
    town: Town, signer: LocalAccount, action: str, phone: str, detail: str = "", *, deadline: int | None = None
) -> dict[str, Any]:
    """``signer``'s order to the bridge, signed, as ``POST /v1/phones/orders`` takes it."""
    nonce = os.urandom(32)
    message: dict[str, Any] = {
        "action": action,
        "phone": phone,
        "detail": detail,
        "deadline": deadline if deadline is not None else int(time.time()) + ORDER_SECONDS,
    }
    signature = sign_typed(
        signer, phone_order_typed_data(town.client.chain_id, town.registry.address, {**message, "nonce": nonce})
    )
    return {**message, "nonce": "0x" + nonce.hex(), "signature": "0x" + signature.hex()}


class PhoneDesk:
    """The town's bridge at ``url``, for an ambassador's steps about phone members."""

    def __init__(self, town: Town, url: str) -> None:
        self.town, self.bridge = town, BridgeClient(url)

    def _send(self, signer: LocalAccount, action: str, phone: str, detail: str = "", **extra: str) -> Any:
        """Post the order to the town's door on the bridge (a bridge of several towns answers each at its path)."""
        base = self.bridge.route(self.town.registry.address, self.town.name)
        return self.bridge.call(
            "POST", f"{base}/phones/orders", {**order(self.town, signer, action, phone, detail), **extra}
        )

    def sign_up(self, ambassador: LocalAccount, phone: str, name: str) -> dict[str, Any]:
        """A member by phone number: the bridge makes and keeps its key (or finds the one it made for the number),
        then the Town Ambassador signs its address up on chain. Run again, it finishes what a stopped run began."""
        made = dict(self._send(ambassador, "sign-up", phone, name))
        added, _ = self.town.add_members(ambassador, [made["address"]])
        return {**made, "new": bool(made["new"] or added)}

    def reset_pin(self, ambassador: LocalAccount, phone: str) -> tuple[dict[str, Any], str]:
        """Unlock an account with a one-time PIN, made here and handed to the member in person: at the next dial
        they enter it, then choose their own. (the bridge's answer, the one-time PIN)."""
        pin = "".join(secrets.choice("0123456789") for _ in range(ONE_TIME_PIN_DIGITS))
        return dict(self._send(ambassador, "reset-pin", phone, pin_digest(pin), oneTimePin=pin)), pin

    def move(self, signer: LocalAccount, old: str, new: str, *, confirm: bool) -> dict[str, Any]:
        """A lost SIM: the Town Ambassador proposes moving the account of ``old`` to ``new``; the Country Ambassador
        confirms (``confirm``), and from then on the old number is refused."""
        return dict(self._send(signer, "confirm-move" if confirm else "propose-move", old, new))

    def listed(self, ambassador: LocalAccount) -> list[dict[str, Any]]:
        """The town's phone members: number, name, address, language, and whether a PIN is set."""
        return list(self._send(ambassador, "list", ""))
