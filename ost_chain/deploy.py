"""Deploy a whole town from a plan, recording every step in a manifest so a re-run resumes.

Each step is idempotent. A contract creation is recorded as *pending* with the sender's nonce
before it is sent, so a run killed between sending and recording finds the contract at the
address that nonce yields instead of deploying it twice. Every other step first asks the chain
whether it is already done (a role held, a member signed up, a business listed).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from eth_account.signers.local import LocalAccount
from eth_utils import to_checksum_address
from web3.contract import Contract
from web3.types import Nonce, TxReceipt
from web3.utils.address import get_create_address

from . import _changes as changes
from . import _devcoin as devcoin
from . import _listing as listing
from . import documents, ostnetwork
from ._deployed import accepts, has_cap, holds_role, is_resident
from .client import ChainClient
from .enums import NATIVE, Role
from .exceptions import ConfigError, OstError
from .manifest import Manifest
from .plan import ResolvedBusiness, TownPlan
from .townclient import MEMBER_BATCH


class InjectedFailure(OstError):
    """Raised by a deployment told to stop after a number of transactions (for resume tests)."""


def create_address(sender: str, nonce: int) -> str:
    """The address a CREATE from ``sender`` at ``nonce`` yields."""
    return str(get_create_address(to_checksum_address(sender), Nonce(nonce)))


@dataclass
class Progress:
    """Callbacks for a progress display: ``total(n)`` once, then ``advance(label)`` per step."""

    total: Callable[[int], None] = lambda n: None
    advance: Callable[[str], None] = lambda label: None


@dataclass(frozen=True)
class Stage:
    """One stage of a deployment: what it does, how many steps it takes by the plan, and the run of them."""

    name: str
    steps: int
    run: Callable[[], None]


@dataclass(frozen=True)
class TownContracts:
    """The town's contracts once the town stage has found or created them, for the stages after it."""

    network: Contract
    registry: Contract
    infinity: Contract
    factory: Contract
    distributor: Contract


def deploy_plan(
    client: ChainClient, plan: TownPlan, path: Path, signers: dict[str, LocalAccount], plan_hash: str = ""
) -> Manifest:
    """Deploy ``plan`` on ``client``'s chain, resuming the manifest at ``path``, with no progress display: the one
    way scripts, tests and benchmarks build a town (``ost deploy`` adds the progress bar)."""
    manifest = Manifest.open(path, chain_id=client.chain_id, town=plan.town, plan_hash=plan_hash)
    return Deployment(client, plan, manifest, signers).run()


class Deployment:
    """Turns a plan into a town on one chain, resuming from its manifest: its :meth:`stages` in order, each made of
    steps run by :meth:`step`, :meth:`send` and :meth:`contract` (every module of a stage calls these)."""

    town: TownContracts  # from the town stage on
    roles: dict[str, bytes]  # the registry's role ids, from the town stage on

    def __init__(
        self,
        client: ChainClient,
        plan: TownPlan,
        manifest: Manifest,
        signers: dict[str, LocalAccount],
        *,
        progress: Progress | None = None,
        fail_after: int | None = None,
    ) -> None:
        self.client, self.plan, self.manifest = client, plan, manifest
        self.signers = {to_checksum_address(a): s for a, s in signers.items()}
        self.progress = progress or Progress()
        self.fail_after = fail_after
        self.sent = 0
        self.notes: list[str] = []
        self.businesses: list[ResolvedBusiness] = []  # the plan's, in chain terms, once the run has begun

    # ── the plan, step by step ──

    def run(self) -> Manifest:
        """Every stage in order, each counting its steps from the plan first (the progress display's total); a step
        recorded in the manifest, or found so on chain, is not sent again."""
        planned = self.plan.resolved_businesses()
        devcoin.check(self.plan, planned, self.client.chain_id)
        documents.check_documents(self.plan)  # every file read before the first transaction: never half-done
        stages = self.stages(planned)
        self.progress.total(sum(stage.steps for stage in stages))
        self._check_recorded_code()
        for stage in stages:
            stage.run()
        self.notes.extend(changes.unchangeable(self, self.town.registry))
        plan = self.plan
        roles = {
            "ostOffice": plan.ost_office,
            "countryAmbassador": plan.country_ambassador,
            "townAmbassador": plan.town_ambassador,
            "coordinators": changes.coordinators(self),
        }
        self.manifest.record_outcome(plan.recorded(), roles, sorted({*plan.members, *self.manifest.members()}))
        return self.manifest

    def stages(self, planned: list[ResolvedBusiness]) -> list[Stage]:
        """The deployment's stages, in the order they run, with the steps each takes by the plan."""
        plan = self.plan
        batches = [plan.members[i : i + MEMBER_BATCH] for i in range(0, len(plan.members), MEMBER_BATCH)]
        assets = {b.asset for b in planned} - {NATIVE}  # the town takes profit in what its businesses sell in
        return [
            Stage("development stablecoin", devcoin.steps(plan, planned), partial(self._coin, planned)),
            Stage("OST network and town", ostnetwork.STEPS, self._town),
            Stage(
                "coordinators and their caps",
                len(changes.coordinators(self)) * 2 + len(changes.dropped_coordinators(self)),
                self._coordinators,
            ),
            Stage("projects", len(plan.projects) + len(changes.dropped_projects(self)), self._projects),
            Stage("profit assets", len(assets), self._assets),
            Stage("members", len(batches), partial(self._members, batches)),
            Stage("country residents", len(plan.country_residents), self._residents),
            Stage(
                "businesses and documents",
                len(planned) * 2 + documents.document_count(plan),
                partial(listing.businesses, self),
            ),
            Stage("launch", 1, self._launch),
        ]

    # ── the stages ──

    def _coin(self, planned: list[ResolvedBusiness]) -> None:
        self.businesses = devcoin.deploy(self, planned)  # dev:stablecoin, now an address

    def _town(self) -> None:
        network = ostnetwork.network_for(self)  # the network the town belongs to: deployed with the first town
        registry, infinity, factory, distributor = ostnetwork.create_town(self, network)
        self.town = TownContracts(network, registry, infinity, factory, distributor)
        ostnetwork.appoint_country_ambassador(self, network, self.plan.country, self.plan.country_ambassador)
        self.roles = {
            name: bytes(registry.functions[name]().call())
            for name in (Role.COUNTRY_AMBASSADOR, Role.TOWN_AMBASSADOR, Role.COORDINATOR)
        }
        ambassador = self.plan.town_ambassador
        self.step(
            f"grant:{Role.TOWN_AMBASSADOR}:{ambassador}",
            registry.functions.grantRole(self.roles[Role.TOWN_AMBASSADOR], ambassador),
            self.plan.ost_office,
            done=partial(holds_role, registry, self.roles[Role.TOWN_AMBASSADOR], ambassador),
        )

    def _coordinators(self) -> None:
        registry, infinity, ambassador = self.town.registry, self.town.infinity, self.plan.town_ambassador
        cap = int(self.plan.coordinator_daily_cap_inf * 10**18)
        coordinator_role = self.roles[Role.COORDINATOR]
        for coordinator in changes.coordinators(self):
            self.step(
                f"grant:COORDINATOR_ROLE:{coordinator}",
                registry.functions.grantRole(coordinator_role, coordinator),
                ambassador,
                done=partial(holds_role, registry, coordinator_role, coordinator),
                ensure=True,  # a coordinator dropped by an earlier plan and named again gets the role back
            )
            self.step(
                f"cap:{coordinator}",
                infinity.functions.setCoordinatorDailyCap(coordinator, cap),
                ambassador,
                done=partial(has_cap, infinity, coordinator, cap),
                ensure=True,
            )
        changes.revoke_dropped_coordinators(self, registry, coordinator_role, ambassador)

    def _projects(self) -> None:
        infinity, ambassador = self.town.infinity, self.plan.town_ambassador
        for project in self.plan.projects:
            tokens = int(project.inf_per_shift * 10**18)
            self.step(
                f"project:{project.id}",
                infinity.functions.setProject(project.id, tokens, project.shift_minutes, True),
                ambassador,
                done=partial(self._project_set, infinity, project.id),
                ensure=True,
            )
        changes.close_dropped_projects(self, infinity, ambassador)

    def _assets(self) -> None:
        distributor = self.town.distributor
        for asset in sorted({b.asset for b in self.businesses} - {NATIVE}):
            self.step(
                f"accept:{asset}",
                distributor.functions.setAcceptedAsset(asset, True),
                self.plan.town_ambassador,
                done=partial(accepts, distributor, asset),
            )

    def _members(self, batches: list[list[str]]) -> None:
        registry = self.town.registry
        for batch in batches:
            known = self.client.call_many([registry.functions.isMember(m) for m in batch])  # one round trip
            missing = [m for m, member in zip(batch, known, strict=True) if not member]
            if missing:
                self.send(
                    f"members:{missing[0]}+{len(missing)}",
                    registry.functions.addMembers(missing),
                    self.plan.town_ambassador,
                )
            self.progress.advance(f"members ({len(batch)})")

    def _residents(self) -> None:
        registry, network, plan = self.town.registry, self.town.network, self.plan
        for resident in plan.country_residents:  # verified once for every town of the country, in the network
            self.step(
                f"resident:{resident}",
                network.functions.setCountryResident(plan.country.encode(), resident, True),
                plan.country_ambassador,
                done=partial(is_resident, registry, resident),
            )

    def _launch(self) -> None:
        registry = self.town.registry
        if self.plan.launch and not registry.functions.launched().call():
            self.send("launch", registry.functions.launch(), self.plan.town_ambassador)
        self.progress.advance("launch")

    # ── steps ──

    def contract(self, key: str, name: str, args: list[Any], sender: str) -> Contract:
        """A contract deployed as step ``key`` (once: a recorded one, or one a stopped run sent, is adopted)."""
        recorded = self.manifest.contract(key)
        if recorded:
            self.progress.advance(key)
            return self.client.at(name, recorded["address"])
        pending = self.manifest.pending(key)
        if pending:
            address = create_address(pending["sender"], pending["nonce"])
            if self.client.w3.eth.get_code(to_checksum_address(address)):
                # Sent by a run that stopped before recording it: adopt, never deploy again.
                self.manifest.record_contract(key, address, args=_jsonable(args))
                self.progress.advance(key)
                return self.client.at(name, address)
        signer = self.signer(sender, key)
        nonce = self.client.w3.eth.get_transaction_count(signer.address, "pending")
        self.manifest.record_pending(key, sender=signer.address, nonce=nonce)
        contract, receipt = self.client.deploy(name, *args, sender=signer)
        self.tick()
        self.manifest.record_contract(
            key,
            contract.address,
            tx=receipt["transactionHash"].to_0x_hex(),
            block=receipt["blockNumber"],
            args=_jsonable(args),
        )
        self.progress.advance(key)
        return contract

    def step(self, key: str, fn: Any, sender: str, *, done: Callable[[], bool], ensure: bool = False) -> None:
        """One step: sent unless recorded or already so on chain; ``ensure``: the chain is asked even when recorded
        (a value the plan may change: a cap, a rate, an investor part)."""
        if (ensure or not self.manifest.has_step(key)) and not done():
            self.send(key, fn, sender)
        elif not self.manifest.has_step(key):
            self.manifest.record_step(key, save=False)  # so on chain already: saved with the next step
        self.progress.advance(key)

    def send(self, key: str, fn: Any, sender: str) -> TxReceipt:
        """Send step ``key`` now, signed by ``sender``, and record it."""
        signer = self.signer(sender, key)
        receipt = self.client.transact(fn, signer)
        self.tick()
        self.manifest.record_step(key, tx=receipt["transactionHash"].to_0x_hex(), block=receipt["blockNumber"])
        return receipt

    # ── helpers ──

    def signer(self, address: str, step: str) -> LocalAccount:
        """The key of ``address`` for ``step``, or a sentence saying the run needs it (its progress is kept)."""
        signer = self.signers.get(to_checksum_address(address))
        if signer is None:
            raise ConfigError(
                f"The step {step!r} must be signed by {address}, whose key this run does not have. Progress is saved "
                f"in {self.manifest.path}; run the deployment again with that address's key (`ost deploy --account "
                "KEYSTORE` or `ape run deploy_town --account ALIAS`) to continue."
            )
        return signer

    def tick(self) -> None:
        """Count a mined transaction; a test may stop the run here, as a kill between sending and recording would."""
        self.sent += 1
        if self.fail_after is not None and self.sent >= self.fail_after:
            raise InjectedFailure(f"Stopped on purpose after {self.sent} transactions, before recording the last.")

    def _project_set(self, infinity: Contract, project_id: int) -> bool:
        project = self.plan_project(project_id)
        tokens, minutes, active = infinity.functions.project(project_id).call()
        return (tokens, minutes, active) == (int(project.inf_per_shift * 10**18), project.shift_minutes, True)

    def plan_project(self, project_id: int) -> Any:
        return next(p for p in self.plan.projects if p.id == project_id)

    def _check_recorded_code(self) -> None:
        recorded = self.manifest.contracts()
        if "InfinityToken" in recorded and "OstNetwork" not in recorded:
            raise ConfigError(f"{self.manifest.path} records a town outside any OST network: {AFRESH}")
        for key, entry in recorded.items():
            if not self.client.w3.eth.get_code(entry["address"]):
                raise ConfigError(
                    f"The manifest {self.manifest.path} records {key} at {entry['address']}, but this chain has no "
                    f"code there: it belongs to another chain (an embedded chain forgets all when it stops). {AFRESH}"
                )


AFRESH = "Move the manifest away to deploy afresh."


def _jsonable(args: list[Any]) -> list[Any]:
    return ["0x" + a.hex() if isinstance(a, bytes) else a for a in args]


def iter_keys(manifest: Manifest) -> Iterator[str]:
    yield from manifest.contracts()
    yield from manifest.steps()
    yield from manifest.businesses()


def wait_seconds(start: float) -> float:
    return time.monotonic() - start
