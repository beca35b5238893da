"""Reading a Town Ambassador's plan from YAML: every mistake in a Town Ambassador's words, with the path of the
field, before anything touches a chain; a plan for a real chain that gives anything to a development account
refused; and the template `ost plan new` writes."""

from __future__ import annotations

import difflib
import hashlib
import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from ..chain import DEV_CHAIN_ID, dev_accounts
from ..exceptions import ConfigError
from .models import BusinessPlan, ProjectPlan, SaleDefaults, TownPlan

_MODELS: dict[str, type[BaseModel]] = {"defaults": SaleDefaults, "businesses": BusinessPlan, "projects": ProjectPlan}
# which model a location's fields belong to (the top level: TownPlan)


def _model_at(loc: tuple[Any, ...]) -> type[BaseModel]:
    """The model whose fields are allowed at ``loc`` (the location of an unknown key)."""
    parents = [part for part in loc[:-1] if isinstance(part, str)]
    return _MODELS.get(parents[-1] if parents else "", TownPlan)


def _in_words(error: Any) -> str:
    """A validation error as a Town Ambassador would say it."""
    kind, loc, given = error["type"], tuple(error["loc"]), error.get("input")
    field = str(loc[-1]) if loc else ""
    if kind == "extra_forbidden":
        allowed = sorted(_model_at(loc).model_fields)
        close = difflib.get_close_matches(field, allowed, n=1)
        hint = f"did you mean {close[0]}? " if close else ""
        return f"{field!r} is not something a plan says here: {hint}the keys allowed are {', '.join(allowed)}"
    if field == "country" and kind == "string_pattern_mismatch":
        return f"write the two-letter country code in capitals, e.g. ZA or LB (not {given!r})"
    if field == "symbol" and kind == "string_pattern_mismatch":
        return f"write 2 to 11 capital letters or digits, e.g. BAKE (not {given!r})"
    if kind in ("decimal_parsing", "float_parsing", "int_parsing") and isinstance(given, str) and "," in given:
        whole, _, rest = given.partition(",")
        if len(rest) == 3 and rest.isdigit():  # 1,000: a thousands separator, or a decimal comma?
            decimal = f"{whole}.{rest.rstrip('0') or '0'}"
            return f"write {whole}{rest} for {whole} thousand (no separator), or {decimal} with a decimal point"
        return f"write numbers with a decimal point, e.g. {given.replace(',', '.')} (not {given})"
    if kind in ("decimal_parsing", "float_parsing", "int_parsing"):
        return f"write a number (not {given!r})"
    if kind == "missing":
        return "missing: every plan names it"
    return str(error["msg"]).removeprefix("Value error, ")


def _format_errors(path: Path, exc: ValidationError) -> str:
    lines = [""]
    count = 0
    for error in exc.errors():
        where = ".".join(str(part) for part in error["loc"]) or "(top level)"
        if error["loc"] in (("businesses",), ("projects",)) and error["type"] == "value_error":
            messages = _in_words(error).split("; ")  # each names its business: businesses.N (SYMBOL): …
            lines.extend(f"  {message}" for message in messages)
            count += len(messages)
        else:
            lines.append(f"  {where}: {_in_words(error)}")
            count += 1
    lines[0] = f"The plan {path} has {count} mistake{'s' if count != 1 else ''}:"
    return "\n".join(lines)


class _PlanLoader(yaml.SafeLoader):
    """YAML 1.1 reads an unquoted 0x… as a number; in a plan it is an address, kept as written (checksum and all)."""


_PlanLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:int"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_PlanLoader.add_implicit_resolver("tag:yaml.org,2002:int", re.compile(r"^[-+]?(0|[1-9][0-9_]*)$"), list("-+0123456789"))


_NAMED_BY_DEFAULT = {"ost_office": "dev:0", "country_ambassador": "dev:1", "town_ambassador": "dev:2"}


def development_references(data: dict[str, Any]) -> list[str]:
    """Every place the plan (as written) names a development account, whose key is public: ``dev:N``, or a role
    left out and so given to one."""

    public = {a.address.lower() for a in dev_accounts()}

    def dev(value: object) -> bool:  # dev:N, or a development account's own 0x address (copied from `ost up`)
        return isinstance(value, str) and (value.strip().startswith("dev:") or value.strip().lower() in public)

    found = []
    for field, default in _NAMED_BY_DEFAULT.items():
        if data.get(field) is None:
            found.append(f"{field}: not named (it would be {default})")
        elif dev(data[field]):
            found.append(f"{field}: {data[field]}")
    for field in ("coordinators", "members", "country_residents"):
        values = data.get(field)
        for index, value in enumerate(values if isinstance(values, list) else []):
            if dev(value):
                found.append(f"{field}.{index}: {value}")
    given = data.get("defaults")
    defaults: dict[str, Any] = given if isinstance(given, dict) else {}
    for key in ("treasury", "asset"):
        if dev(defaults.get(key)):
            found.append(f"defaults.{key}: {defaults[key]}")
    businesses = data.get("businesses")
    for index, business in enumerate(businesses if isinstance(businesses, list) else []):
        for key in ("treasury", "asset"):
            if isinstance(business, dict) and dev(business.get(key)):
                found.append(f"businesses.{index}.{key}: {business[key]}")
    return found


def load_plan(path: Path, chain_id: int | None = None) -> tuple[TownPlan, str]:
    """Read and validate the plan at ``path``; return it and the SHA-256 of its text.

    For a ``chain_id`` other than the development chain's, a plan that gives anything to a development account
    (``dev:N``, or a role it leaves out) is refused, naming every such field: their keys are public."""
    try:
        text = path.read_text()
    except OSError as exc:
        raise ConfigError(f"Cannot read the plan {path}: {exc.strerror}.") from None
    try:
        data = yaml.load(text, Loader=_PlanLoader)
    except yaml.YAMLError as exc:
        raise ConfigError(f"The plan {path} is not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"The plan {path} must be a mapping of fields (town:, country:, ...).")
    if chain_id is not None and chain_id != DEV_CHAIN_ID and not data.get("allow_development_accounts"):
        public = development_references(data)
        if public:
            raise ConfigError(
                f"The plan {path} would give development accounts, whose keys are public, a part in a town on chain "
                f"{chain_id}; dev:N is for the development chain ({DEV_CHAIN_ID}) only. Name a real 0x address "
                f"for each: {'; '.join(public)}."
            )
    try:
        plan = TownPlan.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_format_errors(path, exc)) from None
    plan._folder = path.resolve().parent
    return plan, hashlib.sha256(text.encode()).hexdigest()


TEMPLATE = """\
# A One Small Town plan. Check it with `ost plan check PLAN`; deploy it with `ost deploy PLAN`.
# Addresses: 0x... (checksummed) or dev:N, the N-th development account of the embedded chain.

town: Prince Albert          # the town's name
country: ZA                  # ISO 3166-1 alpha-2 country code
time_zone: Africa/Johannesburg  # the town's days (kitchen meals) follow its clock

ost_office: dev:0            # admin of the town: appoints the ambassadors
country_ambassador: dev:1    # verifies country residents
town_ambassador: dev:2       # signs up members, lists businesses, launches the town

coordinators: [dev:3]        # confirm who worked a shift
ambassador_coordinates: true # the Town Ambassador confirms shifts too (false: only the coordinators)
coordinator_daily_cap_inf: 1000

members: [dev:10, dev:11, dev:12, dev:13]
country_residents: [dev:14]

projects:                    # community upliftment projects and their INFINITY rate
  - {id: 1, name: Clean the river bank}                         # 1 INF per 3-hour shift
  - {id: 2, name: Community kitchen, inf_per_shift: 1, shift_minutes: 240}

defaults:                    # every business's terms unless it says otherwise
  price: 0.01                # per share, in the payment asset
  shares: 1000               # offered
  # minimum: 500             # shares needed to succeed (default: half the offer)
  local_days: 14             # members only
  country_days: 14           # members and verified country residents
  world_days: 14             # anyone
  asset: native              # or an ERC-20 address (set asset_decimals, e.g. 6), or dev:stablecoin
  policy: open               # or keep_local: shares stay within the tier the sale reached
  investor_bps: 0            # investors' part of each profit deposit, in basis points

businesses:
  - {name: Karoo Bakery, symbol: BAKE}
  - {name: Swartberg Guest House, symbol: GUEST, shares: 5000, price: 0.02}
  - {name: Village Laundry, symbol: WASH, policy: keep_local, investor_bps: 2000}

gasless:                     # what the town's relayer pays for members who hold no coin for gas
  free_actions_per_day: 5    # relayed actions per member a day (the town's day)
  gas_per_member_per_day: 1500000
  min_inf_transfer: 0.1      # the least INF a relayed transfer sends
  requests_per_minute: 12    # per address, refused or not
"""
