"""The deployment manifest: what `ost deploy` wrote, read back by the CLI, the bridge and scripts.

One JSON file per town and chain (``deployments/<chain-id>/<town>.json``), human-readable and
written after every step (to a temporary file, then renamed), so a stopped deployment resumes
where it stood. :class:`TownManifest` is its pydantic model: every reader goes through it, and a
manifest of another format version is refused with a sentence, not a KeyError.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .exceptions import ConfigError
from .gasless import GaslessPolicy

FORMAT = 1
"""The manifest format this version writes and reads."""


class ContractRecord(BaseModel):
    """A deployed contract: where, by which transaction, with which constructor arguments."""

    model_config = ConfigDict(extra="allow")
    address: str
    tx: str | None = None
    block: int | None = None
    args: list[Any] = Field(default_factory=list)


class StepRecord(BaseModel):
    """A configuration transaction (a role granted, a project set); no transaction when it was already so."""

    tx: str | None = None
    block: int | None = None


class BusinessRecord(BaseModel):
    """A listed business: its id in the factory, its sale and share token."""

    id: int
    sale: str
    token: str
    tx: str | None = None
    block: int | None = None


class Roles(BaseModel):
    """Who holds each of the town's roles, as the deployment appointed them."""

    ostOffice: str
    countryAmbassador: str
    townAmbassador: str
    coordinators: list[str] = Field(default_factory=list)


class TownManifest(BaseModel):
    """One town on one chain, as deployed."""

    model_config = ConfigDict(extra="allow")
    format: int
    town: str
    chainId: int
    createdAt: str | None = None
    updatedAt: str | None = None
    planHash: str | None = None
    version: str | None = None
    contracts: dict[str, ContractRecord] = Field(default_factory=dict)
    steps: dict[str, StepRecord] = Field(default_factory=dict)
    businesses: dict[str, BusinessRecord] = Field(default_factory=dict)
    pending: dict[str, dict[str, Any]] = Field(default_factory=dict)
    roles: Roles | None = None
    timeZone: str = "UTC"  # the town's IANA time zone, from its plan
    gasless: GaslessPolicy = Field(default_factory=GaslessPolicy)  # from its plan: what the relayer pays for
    projects: dict[str, str] = Field(default_factory=dict)  # project number → name, from its plan
    twelveMonthPlan: list[dict[str, Any]] = Field(default_factory=list)  # the plan's milestones, as published

    @classmethod
    def read(cls, path: Path) -> TownManifest:
        """The manifest at ``path``, checked; a clear error if it is missing, malformed or of another format."""
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            raise ConfigError(f"Cannot read the town manifest {path}: {exc}") from None
        manifest = cls.of(data, path)
        network = manifest.contracts.get("OstNetwork")
        if network is not None and network.block is None:  # written before town manifests kept the network's block
            from .ostnetwork import network_block

            network.block = network_block(path.parent, network.address)
        return manifest

    @classmethod
    def of(cls, data: Any, where: Path | str = "the manifest") -> TownManifest:
        """``data`` (a manifest's JSON) checked as a manifest of this format."""
        if isinstance(data, dict) and data.get("format", FORMAT) != FORMAT:
            raise ConfigError(
                f"{where} is in manifest format {data.get('format')}; this version of ost reads format {FORMAT}. "
                "Use the ost version that wrote it, or deploy again."
            )
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'manifest'}: {e['msg']}" for e in exc.errors())
            raise ConfigError(f"{where} is not a town manifest: {problems}.") from None

    def address(self, key: str) -> str:
        """The address of the contract recorded as ``key`` (``"TownRegistry"``)."""
        record = self.contracts.get(key)
        if record is None:
            raise ConfigError(f"The manifest of {self.town} records no {key}: the deployment has not reached it.")
        return record.address

    def as_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=False)


def town_slug(town: str) -> str:
    """A town's name as a path part: "Prince Albert" → "prince-albert" ("town" for a name without a Latin letter or
    a digit): its manifest's file name, and its part of a bridge's URLs."""
    return re.sub(r"[^a-z0-9]+", "-", town.lower()).strip("-") or "town"


def manifest_path(root: Path, chain_id: int, town: str) -> Path:
    """Where the manifest of ``town`` on ``chain_id`` lives under ``root``."""
    return root / "deployments" / str(chain_id) / f"{town_slug(town)}.json"


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass
class Manifest:
    """A manifest being written by a deployment: its JSON, checked against :class:`TownManifest` when opened
    and at every save, so nothing writes a manifest its readers would refuse."""

    path: Path
    data: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def open(cls, path: Path, *, chain_id: int, town: str, plan_hash: str) -> Manifest:
        """The manifest at ``path`` to resume, or a new one."""
        from . import __version__

        if path.is_file():
            TownManifest.read(path)
            data = json.loads(path.read_text())
            if data.get("chainId") != chain_id:
                raise ConfigError(f"The manifest {path} is for chain {data.get('chainId')}, not {chain_id}.")
        else:
            data = {
                "format": FORMAT,
                "town": town,
                "chainId": chain_id,
                "createdAt": now(),
                "contracts": {},
                "steps": {},
                "businesses": {},
                "pending": {},
            }
        data.update(planHash=plan_hash, version=__version__)
        return cls(path, data)

    def save(self) -> None:
        self.data["updatedAt"] = now()
        TownManifest.of(self.data, self.path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(".json.tmp")
        temporary.write_text(json.dumps(self.data, indent=2, sort_keys=True) + "\n")
        os.replace(temporary, self.path)

    def address(self, key: str) -> str:
        return str(self.data["contracts"][key]["address"])

    # ── what a deployment recorded: read and written through these methods, never by key into ``data`` ──

    def record(self) -> TownManifest:
        """What is recorded so far, as its readers see it (checked)."""
        return TownManifest.of(self.data, self.path)

    def _entry(self, section: str, key: str) -> dict[str, Any] | None:
        """A copy of ``key``'s record in ``section`` (contracts, pending, businesses), or None."""
        entry = self.data[section].get(key)
        return dict(entry) if entry else None

    def _entries(self, section: str) -> dict[str, dict[str, Any]]:
        """Copies of every record in ``section``, in the order they were made."""
        return {key: dict(entry) for key, entry in self.data[section].items()}

    def contract(self, key: str) -> dict[str, Any] | None:
        """The contract recorded as ``key`` (address, tx, block, args), or None."""
        return self._entry("contracts", key)

    def contracts(self) -> dict[str, dict[str, Any]]:
        """Every contract recorded, by key."""
        return self._entries("contracts")

    def record_contract(
        self, key: str, address: str, *, tx: str | None = None, block: int | None = None, args: list[Any] | None = None
    ) -> None:
        """``key`` deployed (or found) at ``address``; what was pending under ``key`` is done. Saved."""
        self.record_contracts({key: (address, tx, block)}, pending=key, args=args)

    def record_contracts(
        self, contracts: dict[str, tuple[str, str | None, int | None]], *, pending: str, args: list[Any] | None = None
    ) -> None:
        """Contracts made by one transaction (the town's four, created in its network): key → (address, tx, block),
        with constructor ``args``. What was pending as ``pending`` is done. Saved once."""
        for key, (address, tx, block) in contracts.items():
            self.data["contracts"][key] = {"address": address, "tx": tx, "block": block, "args": list(args or [])}
        self.data["pending"].pop(pending, None)
        self.save()

    def pending(self, key: str) -> dict[str, Any] | None:
        """What a run recorded it was about to send as ``key``, before sending it, or None."""
        return self._entry("pending", key)

    def record_pending(self, key: str, **entry: Any) -> None:
        """About to send ``key``: a run that stops after sending finds it by ``entry``. Saved."""
        self.data["pending"][key] = entry
        self.save()

    def has_step(self, key: str) -> bool:
        return key in self.data["steps"]

    def steps(self) -> list[str]:
        """The keys of every step recorded, in the order they were."""
        return list(self.data["steps"])

    def record_step(self, key: str, *, tx: str | None = None, block: int | None = None, save: bool = True) -> None:
        """Step ``key`` done: by transaction ``tx`` in ``block``, or found so on chain (None)."""
        self.data["steps"][key] = {"tx": tx, "block": block}
        if save:
            self.save()

    def business(self, symbol: str) -> dict[str, Any] | None:
        """The business listed as ``symbol`` (id, sale, token, tx, block), or None."""
        return self._entry("businesses", symbol)

    def businesses(self) -> dict[str, dict[str, Any]]:
        """Every business listed, by symbol, in the order they were."""
        return self._entries("businesses")

    def record_business(
        self, symbol: str, business_id: int, sale: str, token: str, *, tx: str | None = None, block: int | None = None
    ) -> None:
        """``symbol`` listed as business ``business_id`` with its sale and token. Saved."""
        self.data["businesses"][symbol] = {"id": business_id, "sale": sale, "token": token, "tx": tx, "block": block}
        self.save()

    def roles(self) -> dict[str, Any]:
        """Who held the roles when the last deployment ended (empty before any ended)."""
        return dict(self.data.get("roles") or {})

    def members(self) -> list[str]:
        """The members every deployment so far signed up."""
        return list(self.data.get("members", []))

    def sales_start(self) -> int | None:
        """When the first deployment opened the town's sales (unix time), or None before it did."""
        recorded = self.data.get("salesStart")
        return None if recorded is None else int(recorded)

    def record_sales_start(self, start: int) -> None:
        self.data["salesStart"] = start
        self.save()

    def record_outcome(self, plan: dict[str, Any], roles: dict[str, Any], members: list[str]) -> None:
        """What a deployment that ran to its end leaves: the plan's record, the roles, the members. Saved."""
        self.data.update(plan)
        self.data["roles"] = roles
        self.data["members"] = members
        self.save()
