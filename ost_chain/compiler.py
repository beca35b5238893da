"""Compile ``contracts/`` into ``build/``: one JSON artifact per contract.

The build is keyed by a hash of every source, the OpenZeppelin version, the compiler version
and the settings, so an unchanged tree is not compiled again.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import solcx
from solcx.exceptions import SolcError

from ._toolchain import solc_executable
from .exceptions import CompilationError, ToolchainError
from .settings import Settings, get_settings

_OUTPUTS = ["abi", "evm.bytecode.object", "evm.deployedBytecode.object", "metadata", "devdoc", "userdoc"]
_BUILD_INFO = "build-info.json"


@dataclass(frozen=True)
class BuildResult:
    """What :func:`compile_contracts` produced."""

    build_dir: Path
    source_hash: str
    contracts: tuple[str, ...]
    compiled: bool  # False when the cached build was still valid


def _standard_input(settings: Settings) -> dict[str, Any]:
    root = settings.project_root
    sources = {
        path.relative_to(root).as_posix(): {"content": path.read_text()}
        for path in sorted(settings.contracts_dir.rglob("*.sol"))
        # Hidden folders hold other tools' caches (Ape copies dependencies into contracts/.cache).
        if not any(part.startswith(".") for part in path.relative_to(settings.contracts_dir).parts)
    }
    if not sources:
        raise CompilationError(f"No Solidity sources under {settings.contracts_dir}.")
    return {
        "language": "Solidity",
        "sources": sources,
        "settings": {
            "evmVersion": settings.evm_version,
            "optimizer": {"enabled": True, "runs": settings.optimizer_runs},
            "remappings": ["@openzeppelin/=node_modules/@openzeppelin/"],
            "outputSelection": {"*": {"*": _OUTPUTS, "": ["ast"]}},
        },
    }


def _source_hash(settings: Settings, standard_input: dict[str, Any]) -> str:
    oz_manifest = settings.node_modules / "@openzeppelin" / "contracts" / "package.json"
    if not oz_manifest.is_file():
        raise ToolchainError(
            f"OpenZeppelin Contracts is not installed; run `make setup` (or `npm ci`) in {settings.project_root}."
        )
    digest = hashlib.sha256()
    digest.update(json.dumps(standard_input, sort_keys=True).encode())
    digest.update(json.loads(oz_manifest.read_text())["version"].encode())
    digest.update(settings.solc_version.encode())
    return digest.hexdigest()


def compile_contracts(settings: Settings | None = None, *, force: bool = False) -> BuildResult:
    """Compile every contract under ``contracts/`` into ``build/`` unless the build is current."""
    settings = settings or get_settings()
    standard_input = _standard_input(settings)
    source_hash = _source_hash(settings, standard_input)
    build_dir = settings.build_dir
    info_path = build_dir / _BUILD_INFO
    if not force and info_path.is_file():
        info = json.loads(info_path.read_text())
        if info.get("sourceHash") == source_hash:
            return BuildResult(build_dir, source_hash, tuple(info["contracts"]), compiled=False)

    solc = solc_executable(settings)
    try:
        output = solcx.compile_standard(
            standard_input,
            base_path=str(settings.project_root),
            allow_paths=[str(settings.project_root)],
            solc_binary=solc,
        )
    except SolcError as exc:
        raise CompilationError(_solc_messages(exc)) from exc

    build_dir.mkdir(parents=True, exist_ok=True)
    written: list[str] = []
    for source_name, contracts in sorted(output["contracts"].items()):
        if not source_name.startswith("contracts/"):
            continue  # library sources are compiled, not published as artifacts
        for name, data in sorted(contracts.items()):
            artifact = {
                "contractName": name,
                "sourceName": source_name,
                "abi": data["abi"],
                "bytecode": "0x" + data["evm"]["bytecode"]["object"],
                "deployedBytecode": "0x" + data["evm"]["deployedBytecode"]["object"],
                "devdoc": data.get("devdoc", {}),
                "userdoc": data.get("userdoc", {}),
                "metadata": data.get("metadata", ""),
            }
            _write_json(build_dir / f"{name}.json", artifact)
            written.append(name)
    _write_json(
        info_path,
        {
            "sourceHash": source_hash,
            "solcVersion": settings.solc_version,
            "settings": standard_input["settings"],
            "contracts": written,
            "enums": _enums(output),
        },
    )
    return BuildResult(build_dir, source_hash, tuple(written), compiled=True)


def _enums(output: dict[str, Any]) -> dict[str, list[str]]:
    """Every enum the project's sources define, by canonical name (``IShareSale.Phase``), members in order."""
    found: dict[str, list[str]] = {}

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("nodeType") == "EnumDefinition":
                found[node["canonicalName"]] = [member["name"] for member in node["members"]]
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for source_name, source in output.get("sources", {}).items():
        if source_name.startswith("contracts/"):
            walk(source.get("ast", {}))
    return dict(sorted(found.items()))


def _solc_messages(exc: SolcError) -> str:
    """solc's own error messages, without py-solc-x's dump of the command and its output."""
    try:
        errors = json.loads(exc.stdout_data or "{}").get("errors", [])
    except ValueError:
        errors = []
    messages = [e["formattedMessage"] for e in errors if e.get("severity") == "error"]
    return "The contracts do not compile:\n" + ("\n".join(messages) or (exc.stderr_data or str(exc)))


def _write_json(path: Path, data: Any) -> None:
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(data, indent=1, sort_keys=True))
    os.replace(tmp, path)
