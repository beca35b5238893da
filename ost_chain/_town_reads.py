"""A deployed town, read: the contracts of one manifest and what they hold, for the CLI and the bridge.

:class:`TownReader` reads; :class:`~ost_chain.townclient.Town` adds every role's actions.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path
from typing import Any, Self

from eth_utils import to_checksum_address
from web3.contract import Contract

from . import figures
from ._sales_read import Eligibility, SaleStatus, sale_status
from .abi import ERC20_ABI, Function
from .client import ChainClient
from .enums import NATIVE, Phase, Role, Tier
from .enums import Eligibility as EligibilityReason
from .exceptions import ConfigError
from .manifest import TownManifest
from .units import checksum, hash_id, when


class TownReader:
    """The contracts of one deployed town, and what they hold."""

    def __init__(self, client: ChainClient, manifest: TownManifest | dict[str, Any]) -> None:
        record = manifest if isinstance(manifest, TownManifest) else TownManifest.of(manifest)
        self.client, self.record = client, record
        if record.chainId != client.chain_id:
            raise ConfigError(f"The manifest is for chain {record.chainId}; this chain is {client.chain_id}.")
        self.registry: Contract = client.at("TownRegistry", record.address("TownRegistry"))
        self.infinity: Contract = client.at("InfinityToken", record.address("InfinityToken"))
        self.factory: Contract = client.at("BusinessFactory", record.address("BusinessFactory"))
        self.distributor: Contract = client.at("ProfitDistributor", record.address("ProfitDistributor"))
        self.forwarder: Contract = client.at("TownForwarder", record.address("TownForwarder"))
        self.network: Contract = client.at("OstNetwork", record.address("OstNetwork"))
        self.network_block = int(record.contracts["OstNetwork"].block or 0)
        self._listed: list[tuple[str, str]] = []  # each business's sale and token addresses, read once
        self._businesses: list[tuple[Contract, Contract]] = []  # the same as contracts, made when first asked
        sale_abi = client.artifacts.get("ShareSale")["abi"]
        statuses = ("terms", "phase", "schedule", "sharesSold", "finalized")
        self._status_reads = [Function.of(sale_abi, n) for n in statuses]
        self._name_reads = [Function.of(ERC20_ABI, n) for n in ("name", "symbol")]
        self._names: list[tuple[str, str]] = []
        self._from_block = int(record.contracts["TownRegistry"].block or 0)
        if not client.w3.eth.get_code(self.registry.address):
            raise ConfigError(
                f"This chain has no town at {self.registry.address}: the manifest belongs to another chain "
                "(an embedded chain forgets everything when it stops)."
            )

    @classmethod
    def load(cls, client: ChainClient, path: Path) -> Self:
        return cls(client, TownManifest.read(path))

    def address(self, reference: str, what: str = "address") -> str:
        """``reference`` checksummed; ``dev:N`` (a development account) on the development chain only."""
        return checksum(reference, what, chain_id=self.client.chain_id)

    # ── reads ──

    @property
    def name(self) -> str:
        return str(self.registry.functions.name().call())

    @cached_property
    def country_code(self) -> bytes:
        """The town's country, as the network keys it (two bytes, e.g. ``b"ZA"``)."""
        return bytes(self.registry.functions.countryCode().call())

    @property
    def roles(self) -> dict[str, Any]:
        """The role holders the deployment recorded (office, ambassadors, coordinators)."""
        return self.record.roles.model_dump() if self.record.roles else {}

    def summary(self) -> dict[str, Any]:
        inf = figures.infinity(self)
        return {
            **self.facts(),
            "infinityIssued": inf["issued"],
            "infinityRedeemed": inf["redeemed"],
            "infinityInCirculation": inf["inCirculation"],
        }

    def facts(self) -> dict[str, Any]:
        """The town's standing, read from its contracts' state (no event log): name, country, launch, members,
        businesses, the profit pool in the chain's coin."""
        r = self.registry.functions
        if "_country" not in self.__dict__:  # a town's country never changes
            self.__dict__["_country"] = bytes(r.countryCode().call()).decode()
        return {
            "town": self.name,
            "country": self.__dict__["_country"],
            "chainId": self.client.chain_id,
            "launched": r.launched().call(),
            "launchedAt": r.launchedAt().call(),
            "members": r.memberCount().call(),
            "businesses": self.factory.functions.businessCount().call(),
            "profit": self.pool(NATIVE),
        }

    def pool(self, asset: str = NATIVE) -> dict[str, int]:
        values = self.distributor.functions.pool(self.address(asset, "asset")).call()
        return dict(zip(("perMemberTotal", "carried", "deposited"), values, strict=True))

    def business_id(self, ref: str | int) -> int:
        """A business by its number, its share symbol or its name (any case); a near miss is suggested."""
        count = int(self.factory.functions.businessCount().call())
        if isinstance(ref, int) or str(ref).isdigit():
            business_id = int(ref)
        else:
            recorded = self.record.businesses.get(str(ref).upper())
            if recorded is None:
                return self._by_name(str(ref))
            business_id = recorded.id
        if not 0 <= business_id < count:
            raise ConfigError(f"No business #{business_id}: this town lists {count} (0 to {count - 1}).")
        return business_id

    def _by_name(self, ref: str) -> int:
        """A business by its name, as the sales list shows it; else a sentence with the nearest names and symbols."""
        self._statuses([])  # reads names and symbols once
        names = {name.casefold(): n for n, (name, _) in enumerate(self._names)}
        if ref.casefold() in names:
            return names[ref.casefold()]
        known = [*(name for name, _ in self._names), *(symbol for _, symbol in self._names)]
        close = difflib.get_close_matches(ref, known, n=3, cutoff=0.5)
        close += difflib.get_close_matches(ref.upper(), known, n=3, cutoff=0.5)
        hint = f" Did you mean {' or '.join(dict.fromkeys(close))}?" if close else ""
        raise ConfigError(
            f"No business with the symbol or name {ref!r} in this town.{hint} `ost sale status` lists them all."
        )

    def sale(self, business_id: int) -> tuple[Contract, Contract]:
        return self.businesses(business_id + 1)[business_id]

    def businesses(self, count: int | None = None) -> list[tuple[Contract, Contract]]:
        """Every listed business's sale and token (a listing never changes, so they are read once)."""
        listed = self.listed(count)
        for sale, token in listed[len(self._businesses) :]:
            self._businesses.append((self.client.at("ShareSale", sale), self.client.at("ShareToken", token)))
        return self._businesses[: len(listed)]

    def listed(self, count: int | None = None) -> list[tuple[str, str]]:
        """:meth:`businesses` as addresses: what a read of every sale needs, without a contract object each."""
        if count is None:
            count = int(self.factory.functions.businessCount().call())
        if count > len(self._listed):
            fns = [self.factory.functions.business(i) for i in range(len(self._listed), count)]
            self._listed.extend((str(sale), str(token)) for sale, token in self.client.call_many(fns))
        return self._listed[:count]

    def relay_targets(self) -> dict[str, str]:
        """Every contract of the town a member action may call, by address (lower case) → its contract's name: the
        INFINITY token, the profit distributor, each business's sale and share token."""
        targets = {
            self.infinity.address.lower(): "InfinityToken",
            self.distributor.address.lower(): "ProfitDistributor",
        }
        for sale, token in self.listed():
            targets[sale.lower()], targets[token.lower()] = "ShareSale", "ShareToken"
        return targets

    def forwarder_name(self) -> str:
        """The EIP-712 name of the town's forwarder (ERC-5267): what a member's forward request is signed for."""
        return str(self.forwarder.functions.eip712Domain().call()[1])

    def sale_status(self, ref: str | int) -> SaleStatus:
        return self._statuses([self.business_id(ref)])[0]

    def sales(self) -> list[SaleStatus]:
        """Every sale's status, read in two JSON-RPC batches (names and symbols only the first time)."""
        return self._statuses(range(len(self.listed())))

    def _statuses(self, ids: Sequence[int]) -> list[SaleStatus]:
        now = int(self.client.w3.eth.get_block("latest")["timestamp"])
        listed = self.listed()
        if len(self._names) < len(listed):
            calls = [(token, fn, ()) for _, token in listed[len(self._names) :] for fn in self._name_reads]
            values = self.client.read_many(calls)
            self._names.extend(zip(values[::2], values[1::2], strict=True))
        values = self.client.read_many([(listed[i][0], fn, ()) for i in ids for fn in self._status_reads])
        return [sale_status(i, listed[i], self._names[i], values[5 * n : 5 * n + 5], now) for n, i in enumerate(ids)]

    def eligibility(self, ref: str | int, buyer: str) -> Eligibility:
        sale, _ = self.sale(self.business_id(ref))
        buyer = self.address(buyer, "buyer")
        moved_to = self.registry.functions.recoveredTo(buyer).call()
        if moved_to != NATIVE:
            sentence = f"this address lost its wallet and was moved to {moved_to}; it is no longer used in this town"
            return Eligibility(False, "Recovered", sentence, 0, 0, moved_to)
        reason_index, max_shares, opens_at = sale.functions.eligibility(buyer).call()
        reason = EligibilityReason(reason_index)
        sentence = reason.sentence
        if reason in (EligibilityReason.PHASE_NOT_REACHED, EligibilityReason.NOT_MEMBER) and opens_at:
            sentence += (
                f" (it opens to this address on {when(opens_at, self.record.timeZone)} if the raise is still short)"
            )
        return Eligibility(
            reason is EligibilityReason.ELIGIBLE, reason.solidity_name, sentence, int(max_shares), int(opens_at)
        )

    def members(self) -> list[dict[str, Any]]:
        """Current members in the order they joined, with the block they joined in (from the registry's events)."""
        current: dict[str, int] = {}
        events = self.registry.events
        found = [
            *events.MemberAdded().get_logs(from_block=self._from_block),
            *events.MemberRemoved().get_logs(from_block=self._from_block),
            *events.RecoveryConfirmed().get_logs(from_block=self._from_block),
        ]
        for event in sorted(found, key=lambda e: (e["blockNumber"], e["logIndex"])):
            args = event["args"]
            if event["event"] == "MemberAdded":
                current[args["member"]] = int(event["blockNumber"])
            elif event["event"] == "MemberRemoved":
                current.pop(args["member"], None)
            elif args["lost"] in current:  # a recovery: the same member, at a new address
                current[args["replacement"]] = current.pop(args["lost"])
        return [{"address": a, "joinedBlock": b} for a, b in current.items()]

    def member(self, address: str) -> dict[str, Any]:
        """One address as a member and investor sees it: INF, shares per business, claimable profit, refunds due."""
        address = self.address(address)
        r = self.registry.functions
        active, since, past = r.membership(address).call()
        shares, refunds = [], []
        listed = self.businesses()
        f = [fn for sale, token in listed for fn in (token.functions.balanceOf(address), sale.functions.phase())]
        values = self.client.call_many(f)
        for business_id, (sale, _) in enumerate(listed):
            held, phase = int(values[2 * business_id]), Phase(values[2 * business_id + 1]).label
            if not held:
                continue
            shares.append(
                {"businessId": business_id, "symbol": self._symbol(business_id), "shares": held, "phase": phase}
            )
            if phase == "failed":
                terms = self.client.view(sale.functions.terms())
                refunds.append({"businessId": business_id, "asset": terms.paymentAsset, "amount": held * terms.price})
        moved_to = r.recoveredTo(address).call()
        recovered = moved_to != NATIVE
        return {
            "address": address,
            "member": bool(active),
            "tier": "recovered" if recovered else Tier(r.tierOf(address).call()).label,
            "recoveredTo": moved_to if recovered else None,
            "memberSinceEpoch": int(since) if active else None,
            "pastPeriods": int(past),
            "infinity": int(self.infinity.functions.balanceOf(address).call()),
            "shares": shares,
            **self._claimable(address),
            "refundsDue": refunds,
        }

    def _claimable(self, address: str) -> dict[str, Any]:
        """Profit owed to ``address``: the member part by asset (the native coin always listed), investor parts."""
        from ._owed import owed

        parts = owed(self, address)
        member = {NATIVE: 0} | {o.asset: o.amount for o in parts if not o.as_investor}
        investor = [o.as_json() for o in parts if o.as_investor]
        return {"claimable": member, "claimableAsInvestor": investor}

    def _symbol(self, business_id: int) -> str:
        for symbol, entry in self.record.businesses.items():
            if entry.id == business_id:
                return str(symbol)
        return str(self.sale(business_id)[1].functions.symbol().call())

    def is_rewarded(self, coordinator: str, participation_id: str) -> bool:
        """Whether ``coordinator``'s participation ``participation_id`` was rewarded (each one's ids are its own)."""
        return bool(self.infinity.functions.isRewarded(self.address(coordinator), hash_id(participation_id)).call())

    def has_role(self, role: str, address: str) -> bool:
        return bool(self.registry.functions.hasRole(Role.id(role), self.address(address)).call())

    def recovery(self, lost: str) -> dict[str, Any]:
        """Where the recovery of ``lost`` stands: none, proposed (to whom, by whom) or confirmed."""
        lost = self.address(lost, "lost address")
        r = self.registry.functions
        done = r.recoveredTo(lost).call()
        replacement, proposer = r.recoveryProposal(lost).call()
        zero = NATIVE
        status = "confirmed" if done != zero else "proposed" if replacement != zero else "none"
        return {
            "lost": lost,
            "status": status,
            "replacement": done if done != zero else (replacement if replacement != zero else None),
            "proposer": proposer if proposer != zero else None,
        }

    def profits(self, address: str | None = None, asset: str = NATIVE) -> dict[str, Any]:
        asset = self.address(asset, "asset")
        out: dict[str, Any] = {
            "asset": asset,
            **self.pool(asset),
            "members": self.registry.functions.memberCount().call(),
        }
        if address is not None:
            address = self.address(address)
            d = self.distributor.functions
            out.update(
                address=address,
                claimable=int(d.claimable(address, asset).call()),
                claimed=int(d.claimed(address, asset).call()),
            )
        return out

    def asset_decimals(self, asset: str) -> int:
        if self.address(asset, "asset") == NATIVE:
            return 18
        return int(self.erc20(asset).functions.decimals().call())

    def asset_symbol(self, asset: str) -> str:
        if self.address(asset, "asset") == NATIVE:
            return "ETH"
        return str(self.erc20(asset).functions.symbol().call())

    def projects_worked(self) -> set[int]:
        """The projects that have had a shift rewarded. Read from the town's first block once, then only the blocks
        since (a project worked stays worked), unless the chain changed under them (a reorganisation, a reset)."""
        w3 = self.client.w3
        read_to, at = self.__dict__.get("_projects_read_to", (self._from_block - 1, None))
        latest = int(w3.eth.block_number)
        if at is not None and (latest < read_to or w3.eth.get_block(read_to)["hash"] != at):
            read_to, at = self._from_block - 1, None  # the chain changed under what was read: read it again
            self.__dict__.pop("_projects_worked", None)
        seen: set[int] = self.__dict__.setdefault("_projects_worked", set())
        if read_to < latest:
            for event in self.infinity.events.Rewarded().get_logs(from_block=read_to + 1, to_block=latest):
                seen.add(int(event["args"]["projectId"]))
            self._projects_read_to = (latest, w3.eth.get_block(latest)["hash"])
        return set(seen)

    def block_time(self, number: int) -> int:
        """When block ``number`` was made (unix time), read once: a block's time never changes."""
        times: dict[int, int] = self.__dict__.setdefault("_block_times", {})
        if number not in times:
            if len(times) > 10_000:
                times.clear()
            times[number] = int(self.client.w3.eth.get_block(number)["timestamp"])
        return times[number]

    def latest_logs(self, event: Any, count: int, window: int = 5_000, **filters: Any) -> list[Any]:
        """The last ``count`` logs of ``event`` (oldest first), read backwards from the newest block ``window`` blocks
        at a time: a long-lived town is not read from its start, and a provider capping a query's range answers."""
        found: list[Any] = []
        to_block = int(self.client.w3.eth.block_number)
        while len(found) < count and to_block >= self._from_block:
            from_block = max(self._from_block, to_block - window + 1)
            found = [*event.get_logs(from_block=from_block, to_block=to_block, argument_filters=filters), *found]
            to_block = from_block - 1
        return found[-count:]

    def recent_rewards(self, count: int = 10) -> list[dict[str, Any]]:
        """The latest ``count`` rewards, newest first, each with its date and project."""
        found = self.latest_logs(self.infinity.events.Rewarded(), count)
        times = {n: self.block_time(n) for n in {e["blockNumber"] for e in found}}
        return [
            {
                "member": e["args"]["member"],
                "amount": int(e["args"]["amount"]),
                "block": int(e["blockNumber"]),
                "time": times[e["blockNumber"]],
                "tx": e["transactionHash"].to_0x_hex(),
                "minutes": int(e["args"]["minutesWorked"]),
                "project": int(e["args"]["projectId"]),
                "projectName": self.record.projects.get(str(e["args"]["projectId"]), f"#{e['args']['projectId']}"),
            }
            for e in reversed(found)
        ]

    def profit_figures(self, asset: str = NATIVE) -> dict[str, Any]:
        """Profit deposited and claimed in ``asset``, as every view shows it (:mod:`ost_chain.figures`)."""
        return figures.profit(self, asset)

    def erc20(self, asset: str) -> Contract:
        return self.client.w3.eth.contract(address=to_checksum_address(asset), abi=ERC20_ABI)
