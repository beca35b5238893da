"""EIP-712 messages of the town: the participation a coordinator signs for INFINITY, an ERC-2612 permit a member
signs to let someone spend their tokens, the forward request a member signs for the town's forwarder, and the order
an ambassador signs for the bridge about a phone member. Every document is built, signed, hashed and its signer
recovered here."""

from __future__ import annotations

from typing import Any

from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_account.signers.local import LocalAccount
from eth_utils import keccak

# The EIP-712 domain fields of the town's contracts (INFINITY's participations and permits).
EIP712_DOMAIN = [
    {"name": "name", "type": "string"},
    {"name": "version", "type": "string"},
    {"name": "chainId", "type": "uint256"},
    {"name": "verifyingContract", "type": "address"},
]
_PARTICIPATION_TYPES = {
    "EIP712Domain": EIP712_DOMAIN,
    "Participation": [
        {"name": "member", "type": "address"},
        {"name": "minutesWorked", "type": "uint32"},
        {"name": "participationId", "type": "bytes32"},
        {"name": "projectId", "type": "uint256"},
        {"name": "coordinator", "type": "address"},
        {"name": "deadline", "type": "uint256"},
    ],
}


_PERMIT_TYPES = {
    "EIP712Domain": EIP712_DOMAIN,
    "Permit": [
        {"name": "owner", "type": "address"},
        {"name": "spender", "type": "address"},
        {"name": "value", "type": "uint256"},
        {"name": "nonce", "type": "uint256"},
        {"name": "deadline", "type": "uint256"},
    ],
}


_FORWARD_REQUEST_TYPES = {
    "EIP712Domain": EIP712_DOMAIN,
    "ForwardRequest": [
        {"name": "from", "type": "address"},
        {"name": "to", "type": "address"},
        {"name": "value", "type": "uint256"},
        {"name": "gas", "type": "uint256"},
        {"name": "nonce", "type": "uint256"},
        {"name": "deadline", "type": "uint48"},
        {"name": "data", "type": "bytes"},
    ],
}

# The documents a member's wallet signs on the town page: the bridge serves these (/v1/config), the page declares none.
WALLET_TYPES = {
    "EIP712Domain": EIP712_DOMAIN,
    "ForwardRequest": _FORWARD_REQUEST_TYPES["ForwardRequest"],
    "Permit": _PERMIT_TYPES["Permit"],
}

# An ambassador's order to the bridge about a phone member; the bridge checks the signer's role on chain.
_PHONE_ORDER_TYPES = {
    "EIP712Domain": EIP712_DOMAIN,
    "PhoneOrder": [
        {"name": "action", "type": "string"},
        {"name": "phone", "type": "string"},
        {"name": "detail", "type": "string"},
        {"name": "deadline", "type": "uint256"},
        {"name": "nonce", "type": "bytes32"},
    ],
}
PHONE_ORDER_DOMAIN = "OST bridge"


def _typed_data(
    types: dict[str, Any],
    primary: str,
    name: str,
    chain_id: int,
    contract: str,
    message: dict[str, Any],
    version: str = "1",
) -> dict[str, Any]:
    domain = {"name": name, "version": version, "chainId": chain_id, "verifyingContract": contract}
    return {"types": types, "primaryType": primary, "domain": domain, "message": message}


def participation_typed_data(chain_id: int, infinity: str, **participation: Any) -> dict[str, Any]:
    """The EIP-712 message a coordinator's wallet signs for ``rewardWithAttestation`` (``eth_signTypedData_v4``).

    ``participation``: member, minutesWorked, participationId (bytes32), projectId, coordinator, deadline.
    """
    return _typed_data(_PARTICIPATION_TYPES, "Participation", "INFINITY", chain_id, infinity, participation)


def sign_permit(
    signer: LocalAccount, chain_id: int, token: str, token_name: str, *, version: str = "1", **permit: Any
) -> tuple[int, bytes, bytes]:
    """An ERC-2612 permit by ``signer`` (the owner) for ``token`` (its EIP-712 name ``token_name`` and ``version``), as
    ``permit(owner, spender, value, deadline, v, r, s)`` takes it: (v, r, s).

    ``permit``: owner, spender, value, nonce, deadline.
    """
    typed = _typed_data(_PERMIT_TYPES, "Permit", token_name, chain_id, token, permit, version)
    signed = signer.sign_message(encode_typed_data(full_message=typed))
    return signed.v, signed.r.to_bytes(32, "big"), signed.s.to_bytes(32, "big")


def forward_request_typed_data(chain_id: int, forwarder: str, name: str, request: dict[str, Any]) -> dict[str, Any]:
    """The EIP-712 document a member's wallet signs for the town's forwarder (its EIP-712 ``name``).

    ``request``: from, to, value, gas, nonce, deadline, data (bytes).
    """
    return _typed_data(_FORWARD_REQUEST_TYPES, "ForwardRequest", name, chain_id, forwarder, request)


def phone_order_typed_data(chain_id: int, registry: str, order: dict[str, Any]) -> dict[str, Any]:
    """The EIP-712 document an ambassador signs for the town's bridge (bound to the town by its registry).

    ``order``: action, phone, detail, deadline, nonce (bytes32).
    """
    return _typed_data(_PHONE_ORDER_TYPES, "PhoneOrder", PHONE_ORDER_DOMAIN, chain_id, registry, order)


def sign_typed(signer: LocalAccount, typed: dict[str, Any]) -> bytes:
    """``signer``'s signature of the EIP-712 document ``typed``, as a wallet's ``eth_signTypedData_v4`` makes it."""
    return bytes(signer.sign_message(encode_typed_data(full_message=typed)).signature)


def typed_signer(typed: dict[str, Any], signature: bytes) -> str:
    """The address that signed ``typed``; raises ValueError for a malformed signature."""
    return str(Account.recover_message(encode_typed_data(full_message=typed), signature=signature))


def typed_digest(typed: dict[str, Any]) -> bytes:
    """The EIP-712 hash of ``typed``: what is signed, and so the document's identity."""
    signable = encode_typed_data(full_message=typed)
    return keccak(b"\x19" + signable.version + signable.header + signable.body)


def sign_participation(signer: LocalAccount, chain_id: int, infinity: str, **participation: Any) -> bytes:
    """A coordinator's signature of a participation, as their wallet would make it."""
    return sign_typed(signer, participation_typed_data(chain_id, infinity, **participation))


def participation_signer(signature: bytes, chain_id: int, infinity: str, **participation: Any) -> str:
    """The address that signed ``participation``; raises ValueError for a malformed signature."""
    return typed_signer(participation_typed_data(chain_id, infinity, **participation), signature)
