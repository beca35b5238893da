"""What one running bridge holds: settings, the database, the chain view, the worker, the key cache."""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

from eth_account.signers.local import LocalAccount
from sqlalchemy.exc import IntegrityError

from ost_chain.abi import ERC20_ABI, Function
from ost_chain.actions import ACTIONS
from ost_chain.artifacts import Artifacts
from ost_chain.exceptions import ConfigError
from ost_chain.manifest import TownManifest
from ost_chain.network import load_keystore, resolve_signer

from .chain import MISSING, ChainView
from .db import make_engine, name_unnamed_rows, sessions
from .gasless import RelayDesk
from .gateway import gateway_secret
from .i18n import Words
from .index.service import TownIndex
from .intake import Intake
from .keys import KeyInfo, verify_key
from .pace import RateLimiter
from .problems import Problem
from .settings import Settings
from .sms import Outbox
from .towns import ServedTown, check_towns, slugs
from .ussd import PhoneMenu
from .worker import Worker

log = logging.getLogger("ost.bridge")
KEY_CACHE_SECONDS = 1.0
# The page's wallet calls besides the member actions it offers (those come from ost_chain/actions.py): finalizing a
# sale (anyone may), a token's approve, the reads a permit or a forward request is signed from, and which overload
# the page calls where an action's function has several (a claim names its asset, the native coin's too).
# (contract, function) of the compiled artifacts; every selector comes from its ABI entry.
PAGE_CALLS = {
    "claim": ("ProfitDistributor", "claim(address)"),
    "finalize": ("ShareSale", "finalize()"),
    "approve": ("InfinityToken", "approve(address,uint256)"),  # any ERC-20's approve
    "nonces": ("InfinityToken", "nonces(address)"),  # any ERC-2612 token's, and the forwarder's
    "name": ("InfinityToken", "name()"),  # any ERC-20's
    "eip712Domain": ("InfinityToken", "eip712Domain()"),  # ERC-5267: a token's permit domain, where it says it
    "version": ("ERC20", "version()"),  # else its version(), as USDC has
}


def wallet_calls(artifacts: Artifacts) -> dict[str, Function]:
    """The page's wallet calls by name: every function of a member action the page offers (the registry's), and
    :data:`PAGE_CALLS`. An ABI without one of them, or an overloaded one the page does not name, fails here, at
    start, not on a member's click."""
    offered: dict[str, list[Function]] = {}
    for action in ACTIONS:
        for fn in action.entries(artifacts.get(action.contract)["abi"]) if action.page else ():
            offered.setdefault(fn.abi["name"], []).append(fn)
    calls = {}
    for call, (contract, signature) in PAGE_CALLS.items():
        calls[call] = Function.of(ERC20_ABI if contract == "ERC20" else artifacts.get(contract)["abi"], signature)
    for name, overloads in offered.items():
        if name not in calls and len({fn.selector for fn in overloads}) > 1:
            raise LookupError(f"The page offers {name} with {len(overloads)} overloads: name the one in PAGE_CALLS.")
        calls.setdefault(name, overloads[0])
    return calls


class Bridge:
    """Everything one running app holds: settings, database, chain view, worker."""

    def __init__(self, settings: Settings, relayer: LocalAccount | None = None) -> None:
        self.settings, self.options = settings, settings.bridge
        manifest = self.options.manifest
        if manifest is None:
            raise ConfigError("The bridge needs its town's manifest: pass --manifest (or set OST_BRIDGE__MANIFEST).")
        self.manifest = TownManifest.read(manifest)
        self.chain_id = self.manifest.chainId
        # The phone gateway's secret; on the development chain made once beside the manifest, when none is set.
        self.options.ussd_secret = gateway_secret(self.options, self.chain_id)
        self.infinity = self.manifest.address("InfinityToken")
        self.engine = make_engine(self.options.database())
        self.sessions = sessions(self.engine)
        self.artifacts = Artifacts(settings.build_dir)
        self.wallet_calls = wallet_calls(self.artifacts)
        self.chain = ChainView(self.options, settings.chain_url, self.manifest, self.artifacts)
        self.index = TownIndex(self.sessions, settings.chain_url, self.manifest, self.artifacts, self.options)
        self.relayer = relayer or self._relayer()
        self.worker = Worker(
            self.options,
            self.sessions,
            self.chain,
            self.relayer,
            self.artifacts.get("InfinityToken")["abi"],
            self.artifacts.get("TownForwarder")["abi"],
        )
        self.limiter = RateLimiter(self.options.rate_limit, self.options.rate_burst)
        self.signers = RateLimiter(self.options.attestation_rate, self.options.attestation_burst)
        self.intake = Intake(self.sessions)
        self.relay_desk = RelayDesk(manifest, self.artifacts, self.chain_id, self.relayer.address, settings.chain_url)
        self.phone_menu = PhoneMenu(
            self.options, self.manifest, self.artifacts, self.sessions, self.chain, self.relay_desk, self.index
        )
        self.outbox = Outbox(self.options, self.sessions, self.chain, lambda: self.worker.leader, settings.chain_url)
        self._keys: dict[str, tuple[float, KeyInfo | None]] = {}
        # A row queued here wakes the worker at once: idle, it looks less often.
        self.intake.queued = self.relay_desk.queued = self.worker.wake
        self.towns = self._served(settings.chain_url)  # by slug, the first town first
        for served in self.towns.values():  # each town's share of the one relayer's pool
            served.desk.budget = self.options.town_budget(len(self.towns))
        self.worker.mint_for([town.chain for town in self.towns.values()])
        self.phone_menu.serve(self.towns.values())  # one short code for every town's phone members
        self.outbox.towns = {town.registry: town.manifest.town for town in self.towns.values()}  # and one sender
        try:  # rows from before they recorded their town (the worker looks again every minute)
            name_unnamed_rows(self.sessions, self.served(None).registry)
        except IntegrityError:  # a replica of the previous version wrote a twin this instant: the next look names it
            log.warning("bridge: naming the older rows' town clashed with a write under way; the worker tries again")

    def known_key(self, presented: str) -> Any:
        hit = self._keys.get(presented)
        return hit[1] if hit is not None and time.monotonic() - hit[0] < KEY_CACHE_SECONDS else MISSING

    def check_key(self, presented: str) -> KeyInfo | None:
        with self.sessions() as session:
            key = verify_key(session, presented)
        if len(self._keys) > 10_000:
            self._keys.clear()
        self._keys[presented] = (time.monotonic(), key)
        return key

    def start(self) -> None:
        if self.options.run_index:
            self.index.start()
        if self.options.run_worker:
            self.worker.start()
            self.outbox.start()

    def stop(self) -> None:
        if self.phone_menu.pins.hashes:
            log.info("phones: %s since start", self.phone_menu.pins)
        self.phone_menu.pins.close()
        self.worker.stop()
        self.outbox.stop()
        self.index.stop()
        self.intake.stop()
        self.engine.dispose()

    def _served(self, rpc_url: str) -> dict[str, ServedTown]:
        """The towns this bridge serves: its first (the manifest's) and those of ``towns`` besides, checked to be of
        one chain and one OST network."""
        assert self.options.manifest is not None
        paths = [self.options.manifest, *self.options.towns]
        towns = check_towns([self.manifest, *(TownManifest.read(path) for path in self.options.towns)])
        served = {}
        for slug, path, town in zip(slugs(towns), paths, towns, strict=True):
            if town is self.manifest:
                served[slug] = ServedTown(slug, path, town, self.chain, self.index.reader, self.relay_desk, first=True)
                continue
            # Its members' relayed actions: its own desk (its policy, its contracts), the network's forwarder, this
            # bridge's relayer and worker.
            desk = RelayDesk(path, self.artifacts, self.chain_id, self.relayer.address, rpc_url)
            desk.queued, desk.paced_by = self.worker.wake, self.relay_desk  # one pace per client and member
            chain = ChainView(self.options, rpc_url, town, self.artifacts)
            served[slug] = ServedTown(slug, path, town, chain, self.index.reader_for(town), desk, first=False)
        if len(served) != len(towns):
            raise ConfigError("Two of the towns given would share one part of the bridge's URLs.")
        return served

    def served(self, slug: str | None) -> ServedTown:
        """The town of ``slug`` (the first when None), or a 404 naming the towns served."""
        if slug is None:
            return next(iter(self.towns.values()))
        town = self.towns.get(slug.lower())  # a slug typed with capitals is the same town
        if town is None:
            raise Problem(
                404,
                Words(
                    "This bridge serves no town called {slug}: it serves {towns}.",
                    slug=repr(slug),
                    towns=", ".join(self.towns),
                ),
                kind="unknown-town",
            )
        return town

    def _relayer(self) -> LocalAccount:
        chosen = self.options.relayer
        if chosen and not chosen.startswith("dev:"):
            secret = self.settings.passphrase.get_secret_value() if self.settings.passphrase else None
            return load_keystore(Path(chosen), secret)
        coordinators = self.manifest.roles.coordinators if self.manifest.roles else []
        first = coordinators[0] if coordinators else None
        return resolve_signer(self.chain_id, chosen, first, role="relayer (a coordinator)")
