"""A deployed town, loaded from its manifest: typed reads and per-role actions for the CLI and the bridge.

Every action takes the account that signs it and returns what happened; a rule the contracts
would refuse is refused before anything is sent, as a :class:`~ost_chain.exceptions.ContractRevert`
or a :class:`NotAllowed` with a plain sentence.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Any

from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_account.signers.local import LocalAccount
from eth_utils import is_address, is_checksum_address, keccak, to_checksum_address
from web3.contract import Contract
from web3.logs import DISCARD
from web3.types import TxReceipt

from .client import ChainClient
from .exceptions import ConfigError, OstError

PHASES = ["pending", "local", "country", "world", "succeeded", "failed"]
TIERS = ["local", "country", "world"]
NATIVE = "0x" + "00" * 20
ONE_INF = 10**18

_ERC20_ABI = [
    {"type": "function", "name": name, "stateMutability": mutability, "inputs": inputs, "outputs": outputs}
    for name, mutability, inputs, outputs in (
        ("allowance", "view", [{"name": "owner", "type": "address"}, {"name": "spender", "type": "address"}],
         [{"name": "", "type": "uint256"}]),
        ("approve", "nonpayable", [{"name": "spender", "type": "address"}, {"name": "value", "type": "uint256"}],
         [{"name": "", "type": "bool"}]),
        ("balanceOf", "view", [{"name": "account", "type": "address"}], [{"name": "", "type": "uint256"}]),
        ("decimals", "view", [], [{"name": "", "type": "uint8"}]),
        ("symbol", "view", [], [{"name": "", "type": "string"}]),
    )
]  # fmt: skip

# Why a buyer may not buy now, in plain words (IShareSale.Eligibility).
ELIGIBILITY = [
    "may buy now",
    "the town has not launched yet",
    "the sale has not opened yet",
    "only the town's members may buy in the local phase, and this address is not a member",
    "this address's tier may not buy yet: the sale has not reached its phase",
    "this address holds the most shares one buyer may hold from this sale",
    "the sale is closed",
]


class NotAllowed(OstError):
    """An action the contracts would refuse, explained before anything is sent."""


def hash_id(text: str) -> bytes:
    """The bytes32 key of a participation or redemption id: ``0x`` and 64 hex digits as is, else keccak of the text."""
    if re.fullmatch(r"0x[0-9a-fA-F]{64}", text):
        return bytes.fromhex(text[2:])
    if not text or len(text) > 200:
        raise ConfigError("An id must be 1 to 200 characters (or 0x and 64 hex digits).")
    return keccak(text=text)


@lru_cache(maxsize=65_536)  # a town's addresses recur; a checksum costs a keccak
def valid_address(value: object) -> str | None:
    """``value`` checksummed if it is an address (a mixed-case one must carry a valid EIP-55 checksum), else None."""
    if not isinstance(value, str) or not is_address(value):
        return None
    digits = value[2:]
    if digits != digits.lower() and digits != digits.upper() and not is_checksum_address(value):
        return None
    return to_checksum_address(value)


def checksum(address: str, what: str = "address") -> str:
    """``address`` checksummed, or a clear error."""
    checked = valid_address(address)
    if checked is None:
        raise ConfigError(f"The {what} {address!r} is not an address (0x and 40 hex digits, checksum if mixed case).")
    return checked


def parse_amount(text: str | int | Decimal, decimals: int, what: str = "amount") -> int:
    """``text`` in whole units (``"1.5"``) as an integer of the smallest unit; positive, at most ``decimals`` places."""
    try:
        value = Decimal(str(text))
    except InvalidOperation:
        raise ConfigError(f"The {what} {text!r} is not a number.") from None
    units = value * (Decimal(10) ** decimals)
    if not value.is_finite() or units <= 0 or units != units.to_integral_value():
        raise ConfigError(f"The {what} {text} must be positive with at most {decimals} decimal places.")
    return int(units)


def format_amount(units: int, decimals: int) -> str:
    """``units`` of the smallest unit in whole units, without trailing zeros."""
    text = f"{Decimal(units) / (Decimal(10) ** decimals):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


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


def participation_typed_data(chain_id: int, infinity: str, **participation: Any) -> dict[str, Any]:
    """The EIP-712 message a coordinator's wallet signs for ``rewardWithAttestation`` (``eth_signTypedData_v4``).

    ``participation``: member, minutesWorked, participationId (bytes32), projectId, coordinator, deadline.
    """
    return {
        "types": _PARTICIPATION_TYPES,
        "primaryType": "Participation",
        "domain": {"name": "INFINITY", "version": "1", "chainId": chain_id, "verifyingContract": infinity},
        "message": participation,
    }


def sign_participation(signer: LocalAccount, chain_id: int, infinity: str, **participation: Any) -> bytes:
    """A coordinator's signature of a participation, as their wallet would make it."""
    message = encode_typed_data(full_message=participation_typed_data(chain_id, infinity, **participation))
    return bytes(signer.sign_message(message).signature)


def participation_signer(signature: bytes, chain_id: int, infinity: str, **participation: Any) -> str:
    """The address that signed ``participation``; raises ValueError for a malformed signature."""
    message = encode_typed_data(full_message=participation_typed_data(chain_id, infinity, **participation))
    return str(Account.recover_message(message, signature=signature))


@dataclass(frozen=True)
class SaleStatus:
    business_id: int
    name: str
    symbol: str
    phase: str
    sold: int
    minimum: int
    offered: int
    price: int
    asset: str
    phase_ends_in: int | None  # seconds, None once closed
    finalized: bool = False
    sale: str = ""
    token: str = ""


@dataclass(frozen=True)
class Eligibility:
    eligible: bool
    reason: str
    sentence: str
    max_shares: int
    opens_at: int


@dataclass(frozen=True)
class Reward:
    """One participation to reward: the member, minutes worked, the participation id, the project."""

    member: str
    minutes: int
    participation_id: str
    project_id: int

    def as_tuple(self) -> tuple[str, int, bytes, int]:
        return (checksum(self.member, "member"), self.minutes, hash_id(self.participation_id), self.project_id)


@dataclass(frozen=True)
class Receipt:
    """What a transaction did: its hash, block and gas."""

    tx: str
    block: int
    gas: int

    @classmethod
    def of(cls, receipt: TxReceipt) -> Receipt:
        return cls(receipt["transactionHash"].to_0x_hex(), int(receipt["blockNumber"]), int(receipt["gasUsed"]))


class Town:
    """The contracts of one deployed town."""

    def __init__(self, client: ChainClient, manifest: dict[str, Any]) -> None:
        self.client, self.manifest = client, manifest
        contracts = manifest["contracts"]
        if manifest.get("chainId") != client.chain_id:
            raise ConfigError(f"The manifest is for chain {manifest.get('chainId')}; this chain is {client.chain_id}.")
        self.registry: Contract = client.at("TownRegistry", contracts["TownRegistry"]["address"])
        self.infinity: Contract = client.at("InfinityToken", contracts["InfinityToken"]["address"])
        self.factory: Contract = client.at("BusinessFactory", contracts["BusinessFactory"]["address"])
        self.distributor: Contract = client.at("ProfitDistributor", contracts["ProfitDistributor"]["address"])
        self._businesses: list[tuple[Contract, Contract]] = []
        self._names: list[tuple[str, str]] = []
        self._from_block = int(contracts["TownRegistry"].get("block") or 0)
        if not client.w3.eth.get_code(self.registry.address):
            raise ConfigError(
                f"This chain has no town at {self.registry.address}: the manifest belongs to another chain "
                "(an embedded chain forgets everything when it stops)."
            )

    @classmethod
    def load(cls, client: ChainClient, path: Path) -> Town:
        try:
            return cls(client, json.loads(path.read_text()))
        except (OSError, ValueError, KeyError) as exc:
            raise ConfigError(f"Cannot read the town manifest {path}: {exc}") from None

    # ── reads ──

    @property
    def name(self) -> str:
        return str(self.registry.functions.name().call())

    @property
    def roles(self) -> dict[str, Any]:
        """The role holders the deployment recorded (office, ambassadors, coordinators)."""
        return dict(self.manifest.get("roles", {}))

    def summary(self) -> dict[str, Any]:
        r, i = self.registry.functions, self.infinity.functions
        return {
            "town": self.name,
            "country": bytes(r.countryCode().call()).decode(),
            "chainId": self.client.chain_id,
            "launched": r.launched().call(),
            "members": r.memberCount().call(),
            "infinityIssued": i.totalSupply().call(),
            "businesses": self.factory.functions.businessCount().call(),
            "profit": self.pool(NATIVE),
        }

    def pool(self, asset: str = NATIVE) -> dict[str, int]:
        values = self.distributor.functions.pool(checksum(asset, "asset")).call()
        return dict(zip(("perMemberTotal", "carried", "deposited"), values, strict=True))

    def business_id(self, ref: str | int) -> int:
        """A business by its id or its share symbol."""
        count = int(self.factory.functions.businessCount().call())
        if isinstance(ref, int) or str(ref).isdigit():
            business_id = int(ref)
        else:
            recorded = self.manifest.get("businesses", {}).get(str(ref).upper())
            if recorded is None:
                raise ConfigError(f"No business with the symbol {ref!r} in this town.")
            business_id = int(recorded["id"])
        if not 0 <= business_id < count:
            raise ConfigError(f"No business #{business_id}: this town lists {count} (0 to {count - 1}).")
        return business_id

    def sale(self, business_id: int) -> tuple[Contract, Contract]:
        return self.businesses(business_id + 1)[business_id]

    def businesses(self, count: int | None = None) -> list[tuple[Contract, Contract]]:
        """Every listed business's sale and token (a listing never changes, so they are read once)."""
        if count is None:
            count = int(self.factory.functions.businessCount().call())
        known = len(self._businesses)
        if count > known:
            fns = [self.factory.functions.business(i) for i in range(known, count)]
            for sale, token in self.client.call_many(fns):
                self._businesses.append((self.client.at("ShareSale", sale), self.client.at("ShareToken", token)))
        return self._businesses[:count]

    def sale_status(self, ref: str | int) -> SaleStatus:
        return self._statuses([self.business_id(ref)])[0]

    def sales(self) -> list[SaleStatus]:
        """Every sale's status, read in two JSON-RPC batches (names and symbols only the first time)."""
        return self._statuses(range(len(self.businesses())))

    def _statuses(self, ids: Sequence[int]) -> list[SaleStatus]:
        now = int(self.client.w3.eth.get_block("latest")["timestamp"])
        listed = self.businesses()
        if len(self._names) < len(listed):
            fns = [fn for _, token in listed[len(self._names) :]
                   for fn in (token.functions.name(), token.functions.symbol())]  # fmt: skip
            values = self.client.call_many(fns)
            self._names.extend(zip(values[::2], values[1::2], strict=True))
        fns = [fn for i in ids for sale in (listed[i][0],) for fn in (sale.functions.terms(), sale.functions.phase(),
               sale.functions.schedule(), sale.functions.sharesSold(), sale.functions.finalized())]  # fmt: skip
        values = self.client.call_many(fns)
        out = []
        for n, i in enumerate(ids):
            sale, token = listed[i]
            terms, phase_index, schedule, sold, finalized = values[5 * n : 5 * n + 5]
            phase = PHASES[phase_index]
            start, local_end, country_end, world_end = schedule
            ends = {"pending": start, "local": local_end, "country": country_end, "world": world_end}.get(phase)
            name, symbol = self._names[i]
            out.append(SaleStatus(i, name, symbol, phase, int(sold), terms[2], terms[1], terms[0], terms[9],
                                  None if ends is None else max(0, ends - now), bool(finalized), sale.address,
                                  token.address))  # fmt: skip
        return out

    def eligibility(self, ref: str | int, buyer: str) -> Eligibility:
        sale, _ = self.sale(self.business_id(ref))
        buyer = checksum(buyer, "buyer")
        moved_to = self.registry.functions.recoveredTo(buyer).call()
        if moved_to != NATIVE:
            sentence = f"this address lost its wallet and was moved to {moved_to}; it is no longer used in this town"
            return Eligibility(False, "Recovered", sentence, 0, 0)
        reason, max_shares, opens_at = sale.functions.eligibility(buyer).call()
        names = ("Eligible", "TownNotLaunched", "NotStarted", "NotMember", "PhaseNotReached", "CapReached", "Closed")
        sentence = ELIGIBILITY[reason]
        if reason == 4 and opens_at:
            sentence += f" (it opens to this address at unix time {opens_at} if the raise is still short)"
        return Eligibility(reason == 0, names[reason], sentence, int(max_shares), int(opens_at))

    def members(self) -> list[dict[str, Any]]:
        """Current members in the order they joined, with the block they joined in (from the registry's events)."""
        current: dict[str, int] = {}
        events = self.registry.events
        found = [*events.MemberAdded().get_logs(from_block=self._from_block),
                 *events.MemberRemoved().get_logs(from_block=self._from_block),
                 *events.RecoveryConfirmed().get_logs(from_block=self._from_block)]  # fmt: skip
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
        address = checksum(address)
        r = self.registry.functions
        active, since, past = r.membership(address).call()
        shares, refunds = [], []
        listed = self.businesses()
        f = [fn for sale, token in listed for fn in (token.functions.balanceOf(address), sale.functions.phase())]
        values = self.client.call_many(f)
        for business_id, (sale, _) in enumerate(listed):
            held, phase = int(values[2 * business_id]), PHASES[values[2 * business_id + 1]]
            if not held:
                continue
            shares.append({"businessId": business_id, "symbol": self._symbol(business_id), "shares": held,
                           "phase": phase})  # fmt: skip
            if phase == "failed":
                terms = sale.functions.terms().call()
                refunds.append({"businessId": business_id, "asset": terms[9], "amount": held * terms[0]})
        moved_to = r.recoveredTo(address).call()
        recovered = moved_to != NATIVE
        return {
            "address": address,
            "member": bool(active),
            "tier": "recovered" if recovered else TIERS[r.tierOf(address).call()],
            "recoveredTo": moved_to if recovered else None,
            "memberSinceEpoch": int(since) if active else None,
            "pastPeriods": int(past),
            "infinity": int(self.infinity.functions.balanceOf(address).call()),
            "shares": shares,
            "claimable": {NATIVE: int(self.distributor.functions.claimable(address, NATIVE).call())},
            "refundsDue": refunds,
        }

    def _symbol(self, business_id: int) -> str:
        for symbol, entry in self.manifest.get("businesses", {}).items():
            if int(entry["id"]) == business_id:
                return str(symbol)
        return str(self.sale(business_id)[1].functions.symbol().call())

    def is_rewarded(self, participation_id: str) -> bool:
        return bool(self.infinity.functions.isRewarded(hash_id(participation_id)).call())

    def has_role(self, role: str, address: str) -> bool:
        role_id = b"\x00" * 32 if role == "DEFAULT_ADMIN_ROLE" else keccak(text=role)
        return bool(self.registry.functions.hasRole(role_id, checksum(address)).call())

    # ── Town Ambassador and Country Ambassador ──

    def add_members(self, sender: LocalAccount, addresses: Iterable[str]) -> tuple[list[str], Receipt | None]:
        """Sign up ``addresses``; those already members are skipped. Returns the added ones."""
        wanted = list(dict.fromkeys(checksum(a, "member") for a in addresses))
        new = [a for a in wanted if not self.registry.functions.isMember(a).call()]
        if not new:
            return [], None
        fn = self.registry.functions.addMember(new[0]) if len(new) == 1 else self.registry.functions.addMembers(new)
        return new, Receipt.of(self.client.transact(fn, sender))

    def remove_member(self, sender: LocalAccount, address: str) -> Receipt:
        return Receipt.of(self.client.transact(self.registry.functions.removeMember(checksum(address, "member")),
                                               sender))  # fmt: skip

    def set_residents(self, sender: LocalAccount, addresses: Iterable[str], resident: bool = True) -> list[Receipt]:
        """Mark (or unmark) country residents; one transaction each, skipping those already so."""
        out = []
        for address in dict.fromkeys(checksum(a, "resident") for a in addresses):
            if self.registry.functions.isCountryResident(address).call() != resident:
                fn = self.registry.functions.setCountryResident(address, resident)
                out.append(Receipt.of(self.client.transact(fn, sender)))
        return out

    def recovery(self, lost: str) -> dict[str, Any]:
        """Where the recovery of ``lost`` stands: none, proposed (to whom, by whom) or confirmed."""
        lost = checksum(lost, "lost address")
        r = self.registry.functions
        done = r.recoveredTo(lost).call()
        replacement, proposer = r.recoveryProposal(lost).call()
        zero = "0x" + "00" * 20
        status = "confirmed" if done != zero else "proposed" if replacement != zero else "none"
        return {"lost": lost, "status": status, "replacement": done if done != zero else (replacement
                if replacement != zero else None), "proposer": proposer if proposer != zero else None}  # fmt: skip

    def propose_recovery(self, sender: LocalAccount, lost: str, replacement: str) -> Receipt:
        """The Town Ambassador's step: propose moving the member ``lost`` to the fresh ``replacement``."""
        fn = self.registry.functions.proposeRecovery(
            checksum(lost, "lost address"), checksum(replacement, "new address")
        )
        return Receipt.of(self.client.transact(fn, sender))

    def confirm_recovery(self, sender: LocalAccount, lost: str, replacement: str) -> Receipt:
        """The Country Ambassador's step: confirm the proposal; the membership moves at once."""
        fn = self.registry.functions.confirmRecovery(
            checksum(lost, "lost address"), checksum(replacement, "new address")
        )
        return Receipt.of(self.client.transact(fn, sender))

    def sweep_recovery(self, sender: LocalAccount, lost: str) -> dict[str, Any]:
        """Move the INF and every business's shares of a recovered ``lost`` to its replacement (anyone may)."""
        lost = checksum(lost, "lost address")
        moved: dict[str, Any] = {"infinity": 0, "shares": {}}
        moved["infinity"] = int(self.infinity.functions.balanceOf(lost).call())
        if moved["infinity"]:
            self.client.transact(self.infinity.functions.recover(lost), sender)
        listed = self.businesses()
        held = self.client.call_many([token.functions.balanceOf(lost) for _, token in listed])
        # Investor profit may remain with no share left: sweep every business that has an investor part.
        investor = self.client.call_many([self.distributor.functions.investorShare(i) for i in range(len(listed))])
        for business_id, ((_, token), shares, bps) in enumerate(zip(listed, held, investor, strict=True)):
            if shares or bps:
                self.client.transact(token.functions.recover(lost), sender)
            if shares:
                moved["shares"][self._symbol(business_id)] = int(shares)
        return moved

    def advance(self, sender: LocalAccount, ref: str | int) -> tuple[str, Receipt]:
        sale, _ = self.sale(self.business_id(ref))
        receipt = Receipt.of(self.client.transact(sale.functions.advancePhase(), sender))
        return PHASES[sale.functions.phase().call()], receipt

    # ── coordinators ──

    def reward(self, sender: LocalAccount, reward: Reward) -> tuple[int, Receipt]:
        """Reward one participation; the INF minted and the receipt."""
        member, minutes, key, project = reward.as_tuple()
        receipt = self.client.transact(self.infinity.functions.reward(member, minutes, key, project), sender)
        return self._minted(receipt), Receipt.of(receipt)

    def reward_batch(
        self, sender: LocalAccount, rewards: Sequence[Reward], gas: int | None = None
    ) -> tuple[int, Receipt]:
        """Reward several participations in one transaction."""
        rows = [r.as_tuple() for r in rewards]
        receipt = self.client.transact(self.infinity.functions.rewardBatch(rows), sender, gas=gas)
        return self._minted(receipt), Receipt.of(receipt)

    def _minted(self, receipt: TxReceipt) -> int:
        return sum(
            int(e["args"]["amount"]) for e in self.infinity.events.Rewarded().process_receipt(receipt, errors=DISCARD)
        )

    # ── members and investors ──

    def redeem(self, sender: LocalAccount, amount: int, redemption_id: str, basket: str) -> Receipt:
        """Burn ``amount`` of the sender's INF for a basket."""
        fn = self.infinity.functions.redeem(amount, hash_id(redemption_id), basket)
        return Receipt.of(self.client.transact(fn, sender))

    def buy(self, sender: LocalAccount, ref: str | int, shares: int) -> tuple[int, Receipt]:
        """Buy ``shares`` in the sale's current phase, paying in its asset (approving a token first); the cost."""
        business_id = self.business_id(ref)
        allowed = self.eligibility(business_id, sender.address)
        if not allowed.eligible:
            raise NotAllowed(f"{sender.address} may not buy shares of business #{business_id}: {allowed.sentence}.")
        if shares <= 0:
            raise ConfigError("Buy at least one share.")
        sale, _ = self.sale(business_id)
        terms = sale.functions.terms().call()
        cost, asset = shares * terms[0], terms[9]
        if asset == NATIVE:
            return cost, Receipt.of(self.client.transact(sale.functions.buy(shares), sender, value=cost))
        self._approve(sender, asset, sale.address, cost)
        return cost, Receipt.of(self.client.transact(sale.functions.buy(shares), sender))

    def finalize(self, sender: LocalAccount, ref: str | int) -> tuple[bool, Receipt]:
        sale, _ = self.sale(self.business_id(ref))
        receipt = Receipt.of(self.client.transact(sale.functions.finalize(), sender))
        return PHASES[sale.functions.phase().call()] == "succeeded", receipt

    def refund(self, sender: LocalAccount, ref: str | int) -> tuple[int, Receipt]:
        """Take back what the sender paid into a failed sale; the amount refunded."""
        sale, _ = self.sale(self.business_id(ref))
        receipt = self.client.transact(sale.functions.refund(), sender)
        (event,) = sale.events.Refunded().process_receipt(receipt, errors=DISCARD)
        return int(event["args"]["amount"]), Receipt.of(receipt)

    def deposit(self, sender: LocalAccount, ref: str | int, amount: int, asset: str = NATIVE) -> Receipt:
        """Deposit a business's net profit for the members (and its investors, if it has an investor part)."""
        business_id, asset = self.business_id(ref), checksum(asset, "asset")
        fn = self.distributor.functions.deposit(business_id, asset, amount)
        if asset == NATIVE:
            return Receipt.of(self.client.transact(fn, sender, value=amount))
        self._approve(sender, asset, self.distributor.address, amount)
        return Receipt.of(self.client.transact(fn, sender))

    def claim(self, sender: LocalAccount, asset: str = NATIVE) -> tuple[int, Receipt]:
        """Claim the sender's share of the profits in ``asset``; the amount paid."""
        receipt = self.client.transact(self.distributor.functions.claim(checksum(asset, "asset")), sender)
        events = self.distributor.events.ProfitClaimed().process_receipt(receipt, errors=DISCARD)
        return sum(int(e["args"]["amount"]) for e in events), Receipt.of(receipt)

    def profits(self, address: str | None = None, asset: str = NATIVE) -> dict[str, Any]:
        asset = checksum(asset, "asset")
        out: dict[str, Any] = {
            "asset": asset,
            **self.pool(asset),
            "members": self.registry.functions.memberCount().call(),
        }
        if address is not None:
            address = checksum(address)
            d = self.distributor.functions
            out.update(address=address, claimable=int(d.claimable(address, asset).call()),
                       claimed=int(d.claimed(address, asset).call()))  # fmt: skip
        return out

    def _approve(self, sender: LocalAccount, asset: str, spender: str, amount: int) -> None:
        coin = self.erc20(asset)
        if coin.functions.allowance(sender.address, spender).call() < amount:
            self.client.transact(coin.functions.approve(spender, amount), sender)

    def asset_decimals(self, asset: str) -> int:
        if checksum(asset, "asset") == NATIVE:
            return 18
        return int(self.erc20(asset).functions.decimals().call())

    def asset_symbol(self, asset: str) -> str:
        if checksum(asset, "asset") == NATIVE:
            return "ETH"
        return str(self.erc20(asset).functions.symbol().call())

    def recent_rewards(self, count: int = 10) -> list[dict[str, Any]]:
        """The latest ``count`` rewards, newest first."""
        latest = int(self.client.w3.eth.block_number)
        found: list[Any] = []
        window = 5_000
        to_block = latest
        while len(found) < count and to_block >= self._from_block:
            from_block = max(self._from_block, to_block - window + 1)
            found = self.infinity.events.Rewarded().get_logs(from_block=from_block, to_block=to_block) + found
            to_block = from_block - 1
        return [{"member": e["args"]["member"], "amount": int(e["args"]["amount"]), "block": int(e["blockNumber"]),
                 "tx": e["transactionHash"].to_0x_hex(), "minutes": int(e["args"]["minutesWorked"])}
                for e in reversed(found[-count:])]  # fmt: skip

    def profit_claimed(self, asset: str = NATIVE) -> int:
        """All profit members have claimed in ``asset``."""
        events = self.distributor.events.ProfitClaimed().get_logs(
            from_block=self._from_block, argument_filters={"asset": checksum(asset, "asset")}
        )
        return sum(int(e["args"]["amount"]) for e in events)

    def erc20(self, asset: str) -> Contract:
        return self.client.w3.eth.contract(address=to_checksum_address(asset), abi=_ERC20_ABI)


def as_dict(value: Any) -> Any:
    """Dataclasses (and lists of them) as plain dicts, for JSON output."""
    if isinstance(value, list | tuple):
        return [as_dict(v) for v in value]
    return asdict(value) if hasattr(value, "__dataclass_fields__") else value
