"""The plan's fields as pydantic models: the town, its people, its projects, its businesses and their sales, each
checked as it is read (:mod:`.load` reads the YAML and says every mistake). Addresses may be written as ``dev:N``,
the N-th development account of the embedded chain."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationInfo,
    field_validator,
    model_validator,
)
from web3 import Web3

from ..chain import dev_accounts
from ..enums import NATIVE
from ..gasless import GaslessPolicy
from ..units import UINT96_MAX

DAY = 86_400
_DEV = re.compile(r"dev:(\d{1,3})")


def resolve_address(reference: str) -> str:
    """A checksummed address for ``0x…`` or ``dev:N``."""
    dev = _DEV.fullmatch(reference)
    if dev:
        index = int(dev.group(1))
        accounts = dev_accounts()
        if index >= len(accounts):
            raise ValueError(f"there are {len(accounts)} development accounts (dev:0 to dev:{len(accounts) - 1})")
        return accounts[index].address
    if not Web3.is_address(reference):
        raise ValueError("expected an address (0x and 40 hex digits) or dev:N")
    if reference != reference.lower() and not Web3.is_checksum_address(reference):
        raise ValueError("the address's mixed-case checksum is wrong; check for a typing mistake")
    return Web3.to_checksum_address(reference)


# A plan's payment asset on the development chain: the test stablecoin (tZAR: 6 decimals, ERC-2612 permits) the
# deployment makes and hands its members some of, so a sample town has a sale to try a gasless purchase on.
DEV_STABLECOIN = "dev:stablecoin"

AddressRef = Annotated[str, Field(description="0x address or dev:N (a development account)")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)


class ProjectPlan(_Strict):
    """A community upliftment project whose shifts earn INFINITY."""

    id: int = Field(ge=1, lt=2**32)
    name: str = Field(min_length=1)
    inf_per_shift: Decimal = Field(default=Decimal(1), gt=0, description="INF for one full shift")
    shift_minutes: int = Field(default=180, ge=1, le=1440)


class SaleDefaults(_Strict):
    """Terms a business takes unless it says otherwise."""

    price: Decimal = Field(default=Decimal("0.01"), gt=0, description="per share, in the payment asset")
    shares: int = Field(default=1_000, ge=1, lt=2**64)
    minimum: int | None = Field(default=None, ge=1, description="shares to succeed; default half the offer")
    max_per_buyer: int = Field(default=0, ge=0, description="0: no per-buyer maximum")
    local_days: Decimal = Field(default=Decimal(14), gt=0)
    country_days: Decimal = Field(default=Decimal(14), ge=0)
    world_days: Decimal = Field(default=Decimal(14), ge=0)
    asset: str = Field(
        default="native",
        description=f"native, an ERC-20 address, or {DEV_STABLECOIN} (a test stablecoin on the development chain)",
    )
    asset_decimals: int = Field(default=18, ge=0, le=36)
    policy: Literal["open", "keep_local"] = "open"
    investor_bps: int = Field(default=0, ge=0, le=10_000, description="investors' part of profit")
    treasury: AddressRef | None = Field(default=None, description="default: the Town Ambassador")


class DocumentPlan(_Strict):
    """A document a listing carries: a local ``file`` (stored by the town's bridge, by its SHA-256) or a ``uri``
    (``ipfs://…``, ``https://…``) with the ``sha256`` of its bytes; with a file, a ``sha256`` given is checked."""

    file: str | None = None
    uri: str | None = Field(default=None, pattern=r"^(ipfs|https)://\S+$")
    sha256: str | None = Field(default=None, pattern=r"^(0x)?[0-9a-fA-F]{64}$")

    @model_validator(mode="after")
    def _one_source(self) -> DocumentPlan:
        if (self.file is None) == (self.uri is None):
            raise ValueError("give a document's file or its uri (with its sha256), not both")
        if self.uri is not None and self.sha256 is None:
            raise ValueError("a document given by uri needs its sha256: the town publishes the hash of its bytes")
        return self


class Milestone(_Strict):
    """A step of the town's 12-month plan: what happens in which month. The chain shows it under way once shifts are
    worked on each of its ``projects``, and done once at least ``businesses`` are listed; a step with neither (the
    town meeting) is said as is."""

    month: int = Field(ge=1, le=12)
    what: str = Field(min_length=1, max_length=200)
    projects: list[int] = Field(default_factory=list)
    businesses: int | None = Field(default=None, ge=1, le=1_000)


class BusinessPlan(_Strict):
    """One business and any terms that differ from the defaults."""

    name: str = Field(min_length=1, max_length=64)
    symbol: str = Field(pattern=r"^[A-Z0-9]{2,11}$")
    price: Decimal | None = Field(default=None, gt=0)
    shares: int | None = Field(default=None, ge=1, lt=2**64)
    minimum: int | None = Field(default=None, ge=1)
    max_per_buyer: int | None = Field(default=None, ge=0)
    local_days: Decimal | None = Field(default=None, gt=0)
    country_days: Decimal | None = Field(default=None, ge=0)
    world_days: Decimal | None = Field(default=None, ge=0)
    asset: str | None = None
    asset_decimals: int | None = Field(default=None, ge=0, le=36)
    policy: Literal["open", "keep_local"] | None = None
    investor_bps: int | None = Field(default=None, ge=0, le=10_000)
    treasury: AddressRef | None = None
    business_plan: DocumentPlan | str | None = Field(default=None, description="a file, or {uri, sha256}")
    investor_pack: DocumentPlan | str | None = Field(default=None, description="a file, or {uri, sha256}")

    def documents(self) -> dict[str, DocumentPlan]:
        """The business's documents by kind (``business_plan``, ``investor_pack``); a bare string is a file."""
        found = {"business_plan": self.business_plan, "investor_pack": self.investor_pack}
        return {k: DocumentPlan(file=v) if isinstance(v, str) else v for k, v in found.items() if v is not None}


class ResolvedBusiness(BaseModel):
    """A business's full terms in chain units."""

    name: str
    symbol: str
    price_units: int
    shares: int
    minimum: int
    max_per_buyer: int
    local_seconds: int
    country_seconds: int
    world_seconds: int
    asset: str  # zero address for the native coin
    keep_local: bool
    investor_bps: int
    treasury: str


def _distinct(field: str, key: str, items: list[Any]) -> None:
    """Refuse a list whose items repeat ``key`` (each repeat named by its place)."""
    seen: set[object] = set()
    twice = []
    for index, item in enumerate(items):
        value = getattr(item, key)
        if value in seen:
            twice.append(f"{field}.{index}.{key}: {value!r} is used twice")
        seen.add(value)
    if twice:
        raise ValueError("; ".join(twice))


class TownPlan(_Strict):
    """A whole town, ready for ``ost deploy``."""

    town: str = Field(min_length=1, max_length=64)
    country: str = Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2 code, e.g. ZA")
    time_zone: str = Field(
        default="UTC", description="The town's IANA time zone, e.g. Africa/Johannesburg: its days for kitchen meals"
    )
    network: str | None = Field(
        default=None,
        pattern=r"^0x[0-9a-fA-F]{40}$",
        description="The OST network's address (`ost network show`); default: this chain's, deployed with the first "
        "town if there is none",
    )
    ost_office: AddressRef = "dev:0"
    country_ambassador: AddressRef = "dev:1"
    town_ambassador: AddressRef = "dev:2"
    coordinators: list[AddressRef] = Field(default_factory=list)
    allow_development_accounts: bool = Field(
        default=False,
        description="Let development accounts (public keys) hold parts off the development chain: a test network only.",
    )
    ambassador_coordinates: bool = Field(
        default=True,
        description="The Town Ambassador also confirms shifts (a coordinator with the same daily cap), so a new "
        "town runs its first projects before any coordinator is appointed.",
    )
    coordinator_daily_cap_inf: Decimal = Field(default=Decimal(1_000), ge=0, le=Decimal(UINT96_MAX) / 10**18)
    members: list[AddressRef] = Field(default_factory=list)
    country_residents: list[AddressRef] = Field(default_factory=list)
    projects: list[ProjectPlan] = Field(default_factory=list)
    defaults: SaleDefaults = Field(default_factory=SaleDefaults)
    businesses: list[BusinessPlan] = Field(default_factory=list)
    sales_start: Literal["launch"] | int = Field(default="launch", description="unix time, or launch: when deployed")
    launch: bool = True
    page_url: str | None = Field(
        default=None,
        pattern=r"^https?://\S+$",
        description="Where the town's page is (its bridge), published so the OST network's list links to it",
    )
    twelve_month_plan: list[Milestone] = Field(
        default_factory=list, description="The town's first year, month by month: published (its hash) at launch"
    )
    gasless: GaslessPolicy = Field(
        default_factory=GaslessPolicy, description="What the town's relayer pays for members without coin for gas."
    )

    _folder: Path | None = PrivateAttr(default=None)  # where the plan file is: its documents' files are found there

    @property
    def folder(self) -> Path:
        """The folder a plan's document files are relative to: the plan file's (else the working folder)."""
        return self._folder or Path.cwd()

    def recorded(self) -> dict[str, Any]:
        """What the manifest keeps of the plan besides the chain's state: the town's clock, its gasless policy, its
        projects' names (the chain knows them by number)."""
        return {
            "timeZone": self.time_zone,
            "gasless": self.gasless.model_dump(mode="json"),
            "projects": {str(p.id): p.name for p in self.projects},
            "twelveMonthPlan": [m.model_dump(mode="json") for m in self.twelve_month_plan],
        }

    @field_validator("time_zone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"{value!r} is not a time zone: write its IANA name, e.g. Africa/Johannesburg or Asia/Beirut"
            ) from None
        return value

    @field_validator("ost_office", "country_ambassador", "town_ambassador")
    @classmethod
    def _one_address(cls, value: str) -> str:
        return resolve_address(value)

    @field_validator("coordinators", "members", "country_residents")
    @classmethod
    def _addresses(cls, values: list[str]) -> list[str]:
        resolved = []
        for index, value in enumerate(values):
            try:
                resolved.append(resolve_address(value))
            except ValueError as exc:
                raise ValueError(f"item {index} ({value!r}): {exc}") from None
        duplicates = sorted({a for a in resolved if resolved.count(a) > 1})
        if duplicates:
            raise ValueError(f"listed more than once: {', '.join(duplicates)}")
        return resolved

    @field_validator("projects")
    @classmethod
    def _distinct_projects(cls, projects: list[ProjectPlan]) -> list[ProjectPlan]:
        _distinct("projects", "id", projects)
        return projects

    @field_validator("businesses")
    @classmethod
    def _terms(cls, businesses: list[BusinessPlan], info: ValidationInfo) -> list[BusinessPlan]:
        """Each business's terms, defaults filled in, checked here (not after the whole plan) so that their
        mistakes are reported together with every other field's."""
        stand_in = SimpleNamespace(defaults=info.data.get("defaults") or SaleDefaults(), town_ambassador=NATIVE)
        problems = []
        try:
            _distinct("businesses", "symbol", businesses)
        except ValueError as exc:
            problems.append(str(exc))
        for index, business in enumerate(businesses):
            try:
                TownPlan.resolve(stand_in, business, index)  # type: ignore[arg-type]
            except ValueError as exc:
                problems.append(str(exc))
        if problems:
            raise ValueError("; ".join(problems))
        return businesses

    def resolve(self, business: BusinessPlan, index: int = 0) -> ResolvedBusiness:
        """``business``'s terms with the defaults filled in, in chain units."""
        d = self.defaults

        def pick(name: str) -> object:
            value = getattr(business, name)
            return getattr(d, name) if value is None else value

        path = f"businesses.{index} ({business.symbol})"
        shares = int(pick("shares"))  # type: ignore[call-overload]
        minimum = pick("minimum")
        minimum = max(1, shares // 2) if minimum is None else int(minimum)  # type: ignore[call-overload]
        problems = []
        if minimum > shares:
            problems.append(f"{path}: minimum {minimum} exceeds the {shares} shares offered")
        max_per_buyer = int(pick("max_per_buyer"))  # type: ignore[call-overload]
        if max_per_buyer > shares:
            problems.append(f"{path}: max_per_buyer {max_per_buyer} exceeds the {shares} shares offered")
        if problems:
            raise ValueError("; ".join(problems))
        asset = str(pick("asset"))
        decimals = int(pick("asset_decimals"))  # type: ignore[call-overload]
        if asset == "native":
            asset = NATIVE
        elif asset == DEV_STABLECOIN:  # deployed with the town, on the development chain only (deploy.py)
            if business.asset_decimals not in (None, 6):
                raise ValueError(f"{path}.asset_decimals: {DEV_STABLECOIN} (tZAR) has 6 decimals")
            decimals = 6
        else:
            try:
                asset = resolve_address(asset)
            except ValueError as exc:
                raise ValueError(f"{path}.asset: {exc} (or native, or {DEV_STABLECOIN})") from None
        price = Decimal(pick("price")) * (Decimal(10) ** decimals)  # type: ignore[arg-type]
        if price != price.to_integral_value():
            raise ValueError(f"{path}.price: more decimal places than the asset's {decimals}")
        treasury = pick("treasury")
        return ResolvedBusiness(
            name=business.name,
            symbol=business.symbol,
            price_units=int(price),
            shares=shares,
            minimum=minimum,
            max_per_buyer=max_per_buyer,
            local_seconds=int(Decimal(pick("local_days")) * DAY),  # type: ignore[arg-type]
            country_seconds=int(Decimal(pick("country_days")) * DAY),  # type: ignore[arg-type]
            world_seconds=int(Decimal(pick("world_days")) * DAY),  # type: ignore[arg-type]
            asset=asset,
            keep_local=pick("policy") == "keep_local",
            investor_bps=int(pick("investor_bps")),  # type: ignore[call-overload]
            treasury=self.town_ambassador if treasury is None else resolve_address(str(treasury)),
        )

    @property
    def all_coordinators(self) -> list[str]:
        """Who confirms shifts: the plan's coordinators, then the Town Ambassador unless the plan says not to."""
        extra = [self.town_ambassador] if self.ambassador_coordinates else []
        return list(dict.fromkeys([*self.coordinators, *extra]))

    def resolved_businesses(self) -> list[ResolvedBusiness]:
        return [self.resolve(b, i) for i, b in enumerate(self.businesses)]
