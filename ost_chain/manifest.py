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
        return cls.of(data, path)

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


def manifest_path(root: Path, chain_id: int, town: str) -> Path:
    """Where the manifest of ``town`` on ``chain_id`` lives under ``root``."""
    slug = re.sub(r"[^a-z0-9]+", "-", town.lower()).strip("-") or "town"
    return root / "deployments" / str(chain_id) / f"{slug}.json"


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
