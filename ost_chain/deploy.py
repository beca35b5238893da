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
from web3.logs import DISCARD
from web3.types import Nonce, TxReceipt
from web3.utils.address import get_create_address

from . import _changes as changes
from . import _devcoin as devcoin
from . import documents, ostnetwork
from ._deployed import accepts, has_cap, holds_role, is_resident
from .client import ChainClient
from .enums import NATIVE, OwnershipPolicy, Role
from .exceptions import ConfigError, OstError
from .manifest import Manifest
from .plan import ResolvedBusiness, TownPlan
from .terms import SaleTerms

MEMBER_BATCH = 200


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


def deploy_plan(
    client: ChainClient, plan: TownPlan, path: Path, signers: dict[str, LocalAccount], plan_hash: str = ""
) -> Manifest:
    """Deploy ``plan`` on ``client``'s chain, resuming the manifest at ``path``, with no progress display: the one
    way scripts, tests and benchmarks build a town (``ost deploy`` adds the progress bar)."""
    manifest = Manifest.open(path, chain_id=client.chain_id, town=plan.town, plan_hash=plan_hash)
    return Deployment(client, plan, manifest, signers).run()


class Deployment:
    """Turns a plan into a town on one chain, resuming from its manifest."""

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
        plan = self.plan
        businesses = plan.resolved_businesses()
        devcoin.check(plan, businesses, self.client.chain_id)
        member_batches = [plan.members[i : i + MEMBER_BATCH] for i in range(0, len(plan.members), MEMBER_BATCH)]
        # The town takes profit in the assets its businesses sell in (the native coin always).
        assets = sorted({b.asset for b in businesses} - {NATIVE})
        self.progress.total(
            devcoin.steps(plan, businesses)
            + ostnetwork.STEPS
            + len(changes.coordinators(self)) * 2
            + len(plan.projects)
            + len(assets)
            + len(member_batches)
            + len(plan.country_residents)
            + len(businesses) * 2
            + documents.document_count(plan)
            + 1
        )
        self._check_recorded_code()
        self.businesses = businesses = devcoin.deploy(self, businesses)  # dev:stablecoin, now an address
        assets = sorted({b.asset for b in businesses} - {NATIVE})
        office, country, ambassador = plan.ost_office, plan.country_ambassador, plan.town_ambassador
        network = ostnetwork.network_for(self)  # the network the town belongs to: deployed with the first town
        registry, infinity, factory, distributor = ostnetwork.create_town(self, network)
        ostnetwork.appoint_country_ambassador(self, network, plan.country, country)
        role = {
            name: bytes(registry.functions[name]().call())
            for name in (Role.COUNTRY_AMBASSADOR, Role.TOWN_AMBASSADOR, Role.COORDINATOR)
        }
        self._call(
            f"grant:{Role.TOWN_AMBASSADOR}:{ambassador}",
            registry.functions.grantRole(role[Role.TOWN_AMBASSADOR], ambassador),
            office,
            done=partial(holds_role, registry, role[Role.TOWN_AMBASSADOR], ambassador),
        )
        cap = int(plan.coordinator_daily_cap_inf * 10**18)
        coordinator_role = role[Role.COORDINATOR]
        for coordinator in changes.coordinators(self):
            self._call(
                f"grant:COORDINATOR_ROLE:{coordinator}",
                registry.functions.grantRole(coordinator_role, coordinator),
                ambassador,
                done=partial(holds_role, registry, coordinator_role, coordinator),
                ensure=True,  # a coordinator dropped by an earlier plan and named again gets the role back
            )
            self._call(
                f"cap:{coordinator}",
                infinity.functions.setCoordinatorDailyCap(coordinator, cap),
                ambassador,
                done=partial(has_cap, infinity, coordinator, cap),
                ensure=True,
            )
        changes.revoke_dropped_coordinators(self, registry, coordinator_role, ambassador)
        for project in plan.projects:
            tokens = int(project.inf_per_shift * 10**18)
            self._call(
                f"project:{project.id}",
                infinity.functions.setProject(project.id, tokens, project.shift_minutes, True),
                ambassador,
                done=partial(self._project_set, infinity, project.id),
                ensure=True,
            )
        changes.close_dropped_projects(self, infinity, ambassador)
        for asset in assets:
            self._call(
                f"accept:{asset}",
                distributor.functions.setAcceptedAsset(asset, True),
                ambassador,
                done=partial(accepts, distributor, asset),
            )
        for batch in member_batches:
            known = self.client.call_many([registry.functions.isMember(m) for m in batch])  # one round trip
            missing = [m for m, member in zip(batch, known, strict=True) if not member]
            if missing:
                self._send(f"members:{missing[0]}+{len(missing)}", registry.functions.addMembers(missing), ambassador)
            self.progress.advance(f"members ({len(batch)})")
        for resident in plan.country_residents:  # verified once for every town of the country, in the network
            self._call(
                f"resident:{resident}",
                network.functions.setCountryResident(plan.country.encode(), resident, True),
                country,
                done=partial(is_resident, registry, resident),
            )
        launched = registry.functions.launched().call()
        start = self._sales_start()
        for index, business in enumerate(businesses):
            listed = self._list(factory, business, start, ambassador, index)
            documents.publish_business_documents(self, factory, listed, plan.businesses[index], ambassador)
            key = f"investor:{business.symbol}"
            if business.investor_bps or self.manifest.has_step(key):  # set once, or changed since
                bps = business.investor_bps
                self._call(
                    key,
                    distributor.functions.setInvestorShare(listed, bps),
                    ambassador,
                    done=lambda i=listed, b=bps: self._investor_share(distributor, i) == b,  # type: ignore[misc]
                    ensure=True,
                )
            else:
                self.progress.advance(f"investor part of {business.symbol}")
        documents.publish_town_plan(self, registry, ambassador)  # the 12-month plan, its hash on record
        documents.publish_town_page(self, registry, ambassador)
        if plan.launch and not launched:
            self._send("launch", registry.functions.launch(), ambassador)
        self.progress.advance("launch")
        self.notes.extend(changes.unchangeable(self, registry))
        roles = {
            "ostOffice": office,
            "countryAmbassador": country,
            "townAmbassador": ambassador,
            "coordinators": changes.coordinators(self),
        }
        self.manifest.record_outcome(plan.recorded(), roles, sorted({*plan.members, *self.manifest.members()}))
        return self.manifest

    # ── steps ──

    def _contract(self, key: str, name: str, args: list[Any], sender: str) -> Contract:
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
        signer = self._signer(sender, key)
        nonce = self.client.w3.eth.get_transaction_count(signer.address, "pending")
        self.manifest.record_pending(key, sender=signer.address, nonce=nonce)
        contract, receipt = self.client.deploy(name, *args, sender=signer)
        self._tick()
        self.manifest.record_contract(
            key,
            contract.address,
            tx=receipt["transactionHash"].to_0x_hex(),
            block=receipt["blockNumber"],
            args=_jsonable(args),
        )
        self.progress.advance(key)
        return contract

    def _call(self, key: str, fn: Any, sender: str, *, done: Callable[[], bool], ensure: bool = False) -> None:
        """One step: sent unless recorded or already so on chain; ``ensure``: the chain is asked even when recorded
        (a value the plan may change: a cap, a rate, an investor part)."""
        if (ensure or not self.manifest.has_step(key)) and not done():
            self._send(key, fn, sender)
        elif not self.manifest.has_step(key):
            self.manifest.record_step(key, save=False)  # so on chain already: saved with the next step
        self.progress.advance(key)

    def _send(self, key: str, fn: Any, sender: str) -> TxReceipt:
        signer = self._signer(sender, key)
        receipt = self.client.transact(fn, signer)
        self._tick()
        self.manifest.record_step(key, tx=receipt["transactionHash"].to_0x_hex(), block=receipt["blockNumber"])
        return receipt

    def _list(self, factory: Contract, business: ResolvedBusiness, start: int, sender: str, index: int) -> int:
        recorded = self.manifest.business(business.symbol)
        if recorded:
            self.progress.advance(f"list {business.symbol}")
            return int(recorded["id"])
        # A listing sent by a run that stopped before recording it is found on chain by its symbol.
        for business_id in range(len(self.manifest.businesses()), factory.functions.businessCount().call()):
            sale, token = factory.functions.business(business_id).call()
            if self.client.at("ShareToken", token).functions.symbol().call() == business.symbol:
                self.manifest.record_business(business.symbol, business_id, sale, token)
                self.progress.advance(f"list {business.symbol}")
                return business_id
        terms = SaleTerms(
            price=business.price_units,
            shares_offered=business.shares,
            min_shares=business.minimum,
            max_per_buyer=business.max_per_buyer,
            start=start,
            local_duration=business.local_seconds,
            country_duration=business.country_seconds,
            world_duration=business.world_seconds,
            treasury=business.treasury,
            payment_asset=business.asset,
        )
        signer = self._signer(sender, f"list {business.symbol}")
        receipt = self.client.transact(
            factory.functions.listBusiness(
                business.name,
                business.symbol,
                OwnershipPolicy.KEEP_LOCAL if business.keep_local else OwnershipPolicy.OPEN,
                terms.as_tuple(),
            ),
            signer,
        )
        self._tick()
        (event,) = factory.events.BusinessListed().process_receipt(receipt, errors=DISCARD)
        args = event["args"]
        self.manifest.record_business(
            business.symbol,
            args["businessId"],
            args["sale"],
            args["token"],
            tx=receipt["transactionHash"].to_0x_hex(),
            block=receipt["blockNumber"],
        )
        self.progress.advance(f"list {business.symbol}")
        return int(args["businessId"])

    # ── helpers ──

    def _signer(self, address: str, step: str) -> LocalAccount:
        signer = self.signers.get(to_checksum_address(address))
        if signer is None:
            raise ConfigError(
                f"The step {step!r} must be signed by {address}, whose key this run does not have. Progress is saved "
                f"in {self.manifest.path}; run the deployment again with that address's key (`ost deploy --account "
                "KEYSTORE` or `ape run deploy_town --account ALIAS`) to continue."
            )
        return signer

    def _tick(self) -> None:
        """Count a mined transaction; a test may stop the run here, as a kill between sending and recording would."""
        self.sent += 1
        if self.fail_after is not None and self.sent >= self.fail_after:
            raise InjectedFailure(f"Stopped on purpose after {self.sent} transactions, before recording the last.")

    def _sales_start(self) -> int:
        if isinstance(self.plan.sales_start, int):
            return self.plan.sales_start
        recorded = self.manifest.sales_start()
        if recorded is None:
            recorded = int(self.client.w3.eth.get_block("latest")["timestamp"])
            self.manifest.record_sales_start(recorded)
        return recorded

    @staticmethod
    def _investor_share(distributor: Contract, business_id: int) -> int:
        return int(distributor.functions.investorShare(business_id).call())

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
