"""Members who hold no coin for gas: the town's policy, forward requests (ERC-2771), and the bridge that relays them.

A member signs a *forward request* — the call they would have sent, their nonce at the town's
``TownForwarder`` and a deadline — as EIP-712 typed data, exactly what a wallet's
``eth_signTypedData_v4`` signs. The town's bridge checks it against the town's :class:`GaslessPolicy`,
simulates it, and sends it through the forwarder from its relayer, which pays the gas. The town's
member-facing contracts read the member from the request (``_msgSender()``), so the member's address
never needs, and never receives, coin for gas.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from eth_account.signers.local import LocalAccount
from eth_utils import keccak
from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel
from web3.datastructures import AttributeDict
from web3.exceptions import ContractLogicError

from .abi import ERC20_ABI
from .actions import MemberAction, allowlist, on_contract
from .bridgeclient import BridgeClient, Paced
from .eip712 import forward_request_typed_data, sign_permit, sign_typed, typed_digest, typed_signer
from .exceptions import ChainError, OstError

DEADLINE_SECONDS = 3_600  # a signed request may wait in the bridge's queue this long
FOLLOW_SECONDS = 120.0


class GaslessPolicy(BaseModel):
    """What the town's relayer pays for, per member and day (the town's day, in its time zone). Set by the Town
    Ambassador in the plan (``gasless:``, snake_case), recorded in the manifest (camelCase) for the bridge."""

    model_config = ConfigDict(
        extra="forbid", alias_generator=to_camel, validate_by_name=True, validate_by_alias=True, serialize_by_alias=True
    )
    free_actions_per_day: int = Field(
        default=5, ge=0, le=1_000, description="Relayed actions each member may take a day (0: none)."
    )
    gas_per_member_per_day: int = Field(
        default=1_500_000, ge=0, description="Gas the relayer spends at most on one member a day, counted as used."
    )
    min_inf_transfer: Decimal = Field(
        default=Decimal("0.1"), ge=0, description="The least INF a relayed transfer may send (no dust for free)."
    )
    requests_per_minute: int = Field(
        default=12, ge=1, le=600, description="Requests one address may send the bridge a minute, refused or not."
    )


@dataclass(frozen=True)
class ForwardRequest:
    """One signed call for the town's forwarder: ``ERC2771Forwarder.ForwardRequestData`` plus the nonce signed."""

    sender: str
    to: str
    gas: int
    nonce: int
    deadline: int
    data: bytes
    value: int = 0
    signature: bytes = b""

    def message(self) -> dict[str, Any]:
        return {
            "from": self.sender,
            "to": self.to,
            "value": self.value,
            "gas": self.gas,
            "nonce": self.nonce,
            "deadline": self.deadline,
            "data": self.data,
        }

    def typed_data(self, chain_id: int, forwarder: str, name: str) -> dict[str, Any]:
        """The EIP-712 document a wallet signs (``eth_signTypedData_v4``), ``data`` as bytes."""
        return forward_request_typed_data(chain_id, forwarder, name, self.message())

    def digest(self, chain_id: int, forwarder: str, name: str) -> bytes:
        """The EIP-712 hash signed: the request's identity (the bridge's relay id)."""
        return typed_digest(self.typed_data(chain_id, forwarder, name))

    def signer(self, chain_id: int, forwarder: str, name: str) -> str | None:
        """The address that signed this request, or None for a malformed signature."""
        try:
            return typed_signer(self.typed_data(chain_id, forwarder, name), self.signature)
        except Exception:  # noqa: BLE001 - any malformed signature is "not signed"
            return None

    def as_call(self) -> tuple[str, str, int, int, int, bytes, bytes]:
        """As ``execute`` and ``executeBatch`` take it (``ForwardRequestData``)."""
        return (self.sender, self.to, self.value, self.gas, self.deadline, self.data, self.signature)

    def as_json(self) -> dict[str, Any]:
        """The body of ``POST /v1/relay``: the signed message, numbers as decimal strings, bytes as hex."""
        return {
            "from": self.sender,
            "to": self.to,
            "value": str(self.value),
            "gas": str(self.gas),
            "nonce": str(self.nonce),
            "deadline": self.deadline,
            "data": "0x" + self.data.hex(),
            "signature": "0x" + self.signature.hex(),
        }


def forwarded_call(sender: str, data: bytes) -> bytes:
    """The calldata the forwarder sends the target: the call, then the signer's 20 bytes (ERC-2771)."""
    return data + bytes.fromhex(sender[2:])


def batch_gas(gases: list[int], calldata: bytes) -> int:
    """The gas limit of an ``executeBatch`` of requests asking ``gases``: enough for every call to get all its gas
    after the 63/64 rule (EIP-150), with the forwarder's own work per request (a signature, a nonce, an event), the
    calldata and the base. (An estimate is no bound here: a batch that skips failures succeeds with a starved call.)"""
    return 21_000 + 16 * len(calldata) + sum(gas * 64 // 63 + 40_000 for gas in gases)


def prepare(town: Any, sender: str, fn: Any, *, deadline_seconds: int = DEADLINE_SECONDS) -> ForwardRequest:
    """The unsigned request for ``fn`` by ``sender``: its gas measured as the forwarder will make the call (a
    revert raised now, decoded, as for a direct call), the sender's next forwarder nonce, a deadline an hour on."""
    client, forwarder = town.client, town.forwarder
    data = bytes.fromhex(fn._encode_transaction_data()[2:])
    call = {"from": forwarder.address, "to": fn.address, "data": "0x" + forwarded_call(sender, data).hex()}
    try:
        used = int(client.w3.eth.estimate_gas(call))
    except ContractLogicError as exc:
        raise client.decode(exc) from None
    nonce = int(forwarder.functions.nonces(sender).call())
    deadline = int(client.w3.eth.get_block("latest")["timestamp"]) + deadline_seconds
    return ForwardRequest(sender, fn.address, used * 5 // 4 + 10_000, nonce, deadline, data)


def permit(
    client: Any, asset: str, owner: LocalAccount, spender: str, value: int, deadline: int | None = None
) -> tuple[int, int, bytes, bytes]:
    """``owner``'s ERC-2612 permit of ``value`` of ``asset`` to ``spender`` — the signature a purchase without gas
    carries instead of an approval — as ``permit(…, deadline, v, r, s)`` takes it: (deadline, v, r, s). The token's
    domain is its name and its ``version()`` (USDC: "2"), else "1" (OpenZeppelin's); ``deadline`` an hour on unless
    given."""
    coin = client.w3.eth.contract(address=asset, abi=ERC20_ABI).functions
    try:
        version = str(coin.version().call())
    except Exception:  # noqa: BLE001 - no version(): OpenZeppelin's ERC20Permit signs with "1"
        version = "1"
    if deadline is None:
        deadline = int(client.w3.eth.get_block("latest")["timestamp"]) + DEADLINE_SECONDS
    fields = {
        "owner": owner.address,
        "spender": spender,
        "value": value,
        "nonce": int(coin.nonces(owner.address).call()),
    }
    v, r, s = sign_permit(
        owner, client.chain_id, asset, coin.name().call(), version=version, **fields, deadline=deadline
    )
    return deadline, v, r, s


def sign(signer: LocalAccount, request: ForwardRequest, chain_id: int, forwarder: str, name: str) -> ForwardRequest:
    """``request`` signed by ``signer`` (its sender), as a wallet would sign it."""
    return replace(request, signature=sign_typed(signer, request.typed_data(chain_id, forwarder, name)))


class RelayClient(BridgeClient):
    """The town's bridge, as a member's command uses it: relay a signed request, follow it to its block."""

    def __init__(self, url: str, *, follow_seconds: float = FOLLOW_SECONDS) -> None:
        super().__init__(url)
        self.follow_seconds = follow_seconds

    def relay(self, request: ForwardRequest, base: str = "/v1") -> dict[str, Any]:
        """Hand ``request`` to the bridge (at ``base``: the town's, see :meth:`route`); its answer (``relayId``,
        ``status``), or an :class:`OstError` with the bridge's sentence when it refuses. Asked to slow down, it waits
        as told (within the follow time)."""
        until = time.monotonic() + self.follow_seconds
        while True:
            try:
                return self.call("POST", f"{base}/relay", request.as_json())
            except Paced as exc:
                if time.monotonic() + exc.wait > until:
                    raise OstError(str(exc)) from None
                time.sleep(exc.wait)

    def follow(self, relay_id: str, base: str = "/v1") -> dict[str, Any]:
        """Wait until the bridge's relay ``relay_id`` (of the town at ``base``) is confirmed or failed; its last
        state."""
        until = time.monotonic() + self.follow_seconds
        while True:
            state = self.call("GET", f"{base}/relay/{relay_id}")
            if state["status"] in ("confirmed", "failed"):
                return state
            if time.monotonic() > until:
                raise ChainError(
                    f"The bridge at {self.url} has not sent relay {relay_id} within {self.follow_seconds:.0f} s: it "
                    f"stays in its queue; look again with GET {base}/relay/{relay_id}."
                )
            time.sleep(0.1)


def relay_call(town: Any, relay: RelayClient, sender: LocalAccount, fn: Any) -> Any:
    """Send ``fn`` for ``sender`` through the bridge instead of from ``sender``'s own account: sign, relay, follow
    to its block; the transaction's receipt (to read its events), or an :class:`OstError` saying why not. A call
    that is no member action the bridge relays (ost_chain/actions.py) is refused here, before anything is signed."""
    relayable(town, fn)
    forwarder, chain_id = town.forwarder, town.client.chain_id
    name = forwarder.functions.eip712Domain().call()[1]
    request = sign(sender, prepare(town, sender.address, fn), chain_id, forwarder.address, name)
    base = relay.route(town.registry.address, town.record.town)  # the town's door, on a bridge of several towns
    state = relay.follow(relay.relay(request, base)["relayId"], base)
    if state["status"] == "failed":
        raise OstError(state.get("reason") or "The relayed action failed.")
    batch = town.client.w3.eth.get_transaction_receipt(state["txHash"])
    return own_part(batch, forwarder.address, request, int(state.get("gasUsed") or 0))


def relayable(town: Any, fn: Any) -> MemberAction:
    """The member action ``fn`` is, by its target among the town's contracts and its selector in the registry; an
    :class:`OstError` naming the actions the bridge relays on that contract when it is none of them."""
    name = town.relay_targets().get(fn.address.lower())
    if name is None:
        raise OstError(f"{fn.address} is not a contract of this town the bridge relays for: send it yourself.")
    selector = bytes.fromhex(fn._encode_transaction_data()[2:10])
    hit = allowlist(lambda c: town.client.artifacts.get(c)["abi"]).get(name, {}).get(selector)
    if hit is None:
        actions = ", ".join(sorted(a.words for a in on_contract(name)))
        raise OstError(
            f"The bridge relays only these actions on the town's {name}: {actions}; send {fn.fn_name} yourself "
            "(without --gasless)."
        )
    return hit[0]


_EXECUTED = keccak(text="ExecutedForwardRequest(address,uint256,bool)")


def own_part(receipt: Any, forwarder: str, request: ForwardRequest, gas_used: int) -> Any:
    """The part of a relay batch's receipt that is ``request``'s: its own logs (those after the previous request's
    ``ExecutedForwardRequest``, up to its own) and its own part of the gas; the other members' are not its."""
    logs, start, signer = list(receipt["logs"]), 0, bytes.fromhex(request.sender[2:])
    for index, log in enumerate(logs):
        if log["address"].lower() != forwarder.lower() or bytes(log["topics"][0]) != _EXECUTED:
            continue
        if bytes(log["topics"][1])[-20:] == signer and int.from_bytes(bytes(log["data"])[:32], "big") == request.nonce:
            return AttributeDict({**receipt, "logs": logs[start : index + 1], "gasUsed": gas_used})
        start = index + 1
    raise ChainError(f"Transaction {receipt['transactionHash'].to_0x_hex()} carries no execution of this request.")


__all__ = ["ForwardRequest", "GaslessPolicy", "RelayClient", "permit", "prepare", "relay_call", "sign"]
