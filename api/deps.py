"""The routes' dependencies, as ``Annotated`` aliases: what a route uses (the chain view, the town's record, the
bridge's settings, the relay desk, the phone menu, a database session, the caller's key, the reader's language), and
the bridge itself for the routes that report on all of it (health) or feed its intake (participations)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import Depends, Header, Request
from fastapi.concurrency import run_in_threadpool

from ost_chain.abi import Function
from ost_chain.manifest import TownManifest

from .bridge import Bridge
from .chain import MISSING, ChainView, Unreachable
from .db import BridgeSession
from .gasless import RelayDesk
from .i18n import Words, chosen_language
from .index import IndexReader
from .keys import KeyInfo
from .pace import RateLimiter, hold_to_pace
from .problems import Problem
from .settings import Settings
from .towns import ServedTown
from .ussd import PhoneMenu


async def get_bridge(request: Request) -> Bridge:
    """The running bridge (async: a plain lookup, never worth a hop to the thread pool)."""
    return request.app.state.bridge


BridgeDep = Annotated[Bridge, Depends(get_bridge)]


def get_served(request: Request) -> ServedTown:
    """The town a request is about: the one its path names (``/v1/towns/{town}/…``), else the bridge's first."""
    return request.app.state.bridge.served(request.path_params.get("town"))


ServedDep = Annotated[ServedTown, Depends(get_served)]


def town_base(request: Request) -> str:
    """Where the request's town answers: /v1/towns/{town} under a town's path, else /v1 (the first town)."""
    town = request.path_params.get("town")
    return f"/v1/towns/{town}" if town else "/v1"


async def get_chain(request: Request) -> ChainView:
    """The town's chain as the bridge reads it (cached reads): what a route that only reads the town asks for."""
    return get_served(request).chain


ChainDep = Annotated[ChainView, Depends(get_chain)]


def get_index(request: Request) -> IndexReader:
    """The town's part of the index, as fresh as the chain's confirmations allow (a thread: it may read the chain
    first). The index follows the whole network: reading ahead for one town reads ahead for all."""
    bridge, town = request.app.state.bridge, get_served(request)
    if bridge.index.lease.leader:
        bridge.index.fresh(bridge.chain.head())
    return town.reader


IndexDep = Annotated[IndexReader, Depends(get_index)]


def get_network(request: Request) -> dict[str, Any]:
    """The OST network's towns with their figures, from the index (as fresh as :func:`get_index`), and its address."""
    get_index(request)  # read ahead what the chain has confirmed, as every read of the index does
    bridge = request.app.state.bridge
    return {"network": bridge.manifest.address("OstNetwork"), **bridge.index.network()}


NetworkDep = Annotated[dict[str, Any], Depends(get_network)]


async def get_town_record(request: Request) -> TownManifest:
    """The town's deployment record (its contracts, time zone, projects' names)."""
    return get_served(request).manifest


TownRecordDep = Annotated[TownManifest, Depends(get_town_record)]


async def get_settings(request: Request) -> Settings:
    """The bridge's settings: its own (``.bridge``) and the chain's URL (never shown: it may carry a key)."""
    return request.app.state.bridge.settings


SettingsDep = Annotated[Settings, Depends(get_settings)]


async def get_relay_desk(request: Request) -> RelayDesk:
    """The door of the town's members' relayed actions: its policy and every check of a signed request."""
    return get_served(request).desk


DeskDep = Annotated[RelayDesk, Depends(get_relay_desk)]


async def get_phone_menu(request: Request) -> PhoneMenu:
    """The phone menu, with the custody of phone members' keys and PINs."""
    return request.app.state.bridge.phone_menu


MenuDep = Annotated[PhoneMenu, Depends(get_phone_menu)]


async def get_order_pace(request: Request) -> RateLimiter:
    """The pace of signed requests that need no key (signed participations, ambassadors' phone orders)."""
    return request.app.state.bridge.signers


SignedPaceDep = Annotated[RateLimiter, Depends(get_order_pace)]


async def get_wallet_calls(request: Request) -> dict[str, Function]:
    """The page's wallet calls by name (the member actions it offers, and the calls around them)."""
    return request.app.state.bridge.wallet_calls


WalletCallsDep = Annotated[dict[str, Function], Depends(get_wallet_calls)]


def get_session(bridge: BridgeDep) -> Iterator[BridgeSession]:
    with bridge.sessions() as session:
        yield session


SessionDep = Annotated[BridgeSession, Depends(get_session)]


def _unauthorized(detail: str) -> Problem:
    return Problem(401, detail, kind="unauthorized", headers={"WWW-Authenticate": "Bearer"})


async def get_key(request: Request) -> KeyInfo | None:
    """The caller's API key from ``Authorization: Bearer ost_…``, or None if none was sent; refused if wrong, or if
    it is another town's (the request's town is its path's, else the bridge's first).

    A verified key is remembered for a second, so a revoked key is refused within a second."""
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, presented = header.partition(" ")
    if scheme.lower() != "bearer" or not presented:
        raise _unauthorized(Words("Send the API key as `Authorization: Bearer ost_…`."))
    bridge = await get_bridge(request)  # not a sub-dependency: on the busiest route each one costs
    key = bridge.known_key(presented.strip())
    if key is MISSING:
        key = await run_in_threadpool(bridge.check_key, presented.strip())
    if key is None:
        raise _unauthorized(Words("The API key is unknown or revoked."))
    town = bridge.served(request.path_params.get("town"))
    if key.town != town.registry:  # a coordinator's key acts in its own town only
        raise Problem(
            403,
            Words(
                "This API key acts in another town, not in {town}: use a key made for {town}.", town=town.manifest.town
            ),
            kind="key-of-another-town",
        )
    hold_to_pace(bridge.limiter, key.id, Words("Too many requests for this key"))
    request.state.key_id = key.id
    return key


KeyDep = Annotated[KeyInfo | None, Depends(get_key)]


def require_key(key: KeyInfo | None, action: Words) -> KeyInfo:
    """``key``, or a 401 saying that ``action`` (words, said in the reader's language too) needs one."""
    if key is None:
        raise _unauthorized(Words("{action} needs an API key.", action=action))
    return key


def require_coordinator(chain: ChainView, address: str) -> None:
    """Refuse unless ``address`` holds COORDINATOR_ROLE (seen recently while the chain is away)."""
    try:
        allowed = chain.is_coordinator(address)
    except Unreachable:
        raise Problem(
            503,
            Words(
                "The chain cannot be reached to check the coordinator's role, and the role was not seen recently; "
                "retry shortly."
            ),
            kind="chain-unreachable",
            headers={"Retry-After": "5"},
        ) from None
    if not allowed:
        raise Problem(
            403,
            Words("{address} does not hold COORDINATOR_ROLE in this town.", address=address),
            kind="not-a-coordinator",
        )


def path_address(address: str) -> str:
    """An address from the URL, checksummed, or a 422 saying what is wrong with it."""
    from .models import check_address

    try:
        return check_address(address)
    except ValueError:
        if re.fullmatch(r"\s*0x[0-9a-fA-F]{40}\s*", address):  # the right shape: its capitals do not check out
            said = Words(
                "{address} has a typing mistake: its capital and small letters do not match the address's own check. "
                "Copy it again from the member's card or the wallet.",
                address=repr(address),
            )
        else:
            said = Words(
                "{address} is not an account address: it is 0x followed by 40 digits and letters from a to f. Copy it "
                "again from the member's card or the wallet.",
                address=repr(address),
            )
        raise Problem(422, said, kind="invalid-input") from None


def asked_language(
    accept_language: Annotated[
        str | None,
        Header(description="The language to answer in (af, ar, fr, en): sentences and problem details; else English."),
    ] = None,
) -> str:
    """The language the request asks its sentences in (``Accept-Language``), of those the town speaks; else English."""
    return chosen_language(accept_language)


LanguageDep = Annotated[str, Depends(asked_language)]
