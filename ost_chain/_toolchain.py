"""Find the offline toolchain: a Solidity compiler and the anvil node, both from npm packages.

A native ``solc`` of the wanted version on PATH is used as it is. Otherwise the npm ``solc``
package (solc-js) stands in through ``scripts/solc-js.cjs``, registered with py-solc-x as
``solc-v<version>`` in the folder named by ``SOLCX_BINARY_PATH`` so that Ape and other tools find
it too. The registered executable answers ``--version`` itself, from a cached string, because
py-solc-x asks for the version before every compile and loading solc-js takes a second.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
from pathlib import Path

from .exceptions import ToolchainError
from .settings import Settings

_SHIM = """#!/bin/sh
# Written by ost_chain: solc {version} from npm's solc package (solc-js). Regenerated when stale.
if [ "$#" -eq 1 ] && [ "$1" = "--version" ]; then
  printf 'solc, the solidity compiler commandline interface\\nVersion: {long_version}\\n'
  exit 0
fi
exec {node} {script} "$@"
"""

_INSTALL_HINT = "Run `make setup` (or `npm ci`) in {root} to install the npm toolchain."


def _native_solc(version: str) -> Path | None:
    found = shutil.which("solc")
    if not found:
        return None
    try:
        out = subprocess.run([found, "--version"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None
    return Path(found) if f"Version: {version}+" in out else None


def _npm_package_version(package_dir: Path) -> str | None:
    manifest = package_dir / "package.json"
    if not manifest.is_file():
        return None
    return str(json.loads(manifest.read_text())["version"])


def solc_executable(settings: Settings) -> Path:
    """A solc executable of ``settings.solc_version``: native if on PATH, else the solc-js shim."""
    native = _native_solc(settings.solc_version)
    if native is not None:
        return native
    package = settings.node_modules / "solc"
    installed = _npm_package_version(package)
    if installed is None:
        raise ToolchainError(
            "No Solidity compiler: neither a native solc on PATH nor npm's solc package. "
            + _INSTALL_HINT.format(root=settings.project_root)
        )
    if installed != settings.solc_version:
        raise ToolchainError(
            f"npm's solc package is {installed} but {settings.solc_version} is configured (OST_SOLC_VERSION). "
            + _INSTALL_HINT.format(root=settings.project_root)
        )
    folder = settings.solcx_dir
    shim = folder / f"solc-v{settings.solc_version}"
    script = settings.project_root / "scripts" / "solc-js.cjs"
    node = shutil.which(settings.node)
    if node is None:
        raise ToolchainError(f"Node.js ({settings.node!r}) is not on PATH; install Node.js 18 or newer.")
    marker = f"exec {shlex.quote(node)} {shlex.quote(str(script))} "
    if shim.is_file() and marker in shim.read_text():
        return shim
    try:
        long_version = (
            subprocess.run([node, str(script), "--version"], capture_output=True, text=True, timeout=120, check=True)
            .stdout.split("Version: ", 1)[1]
            .strip()
        )
    except (OSError, subprocess.SubprocessError, IndexError) as exc:
        raise ToolchainError(f"solc-js did not answer --version: {exc}") from exc
    folder.mkdir(parents=True, exist_ok=True)
    tmp = shim.with_suffix(".tmp")
    tmp.write_text(
        _SHIM.format(
            version=settings.solc_version,
            long_version=long_version,
            node=shlex.quote(node),
            script=shlex.quote(str(script)),
        )
    )
    tmp.chmod(0o755)
    os.replace(tmp, shim)
    return shim


def anvil_executable(settings: Settings) -> Path:
    """The anvil binary: ``OST_ANVIL`` if set, else npm's ``@foundry-rs/anvil-linux-amd64``."""
    if settings.anvil is not None:
        if not settings.anvil.is_file():
            raise ToolchainError(f"OST_ANVIL names {settings.anvil}, which does not exist.")
        return settings.anvil
    binary = settings.node_modules / "@foundry-rs" / "anvil-linux-amd64" / "bin" / "anvil"
    if binary.is_file():
        return binary
    found = shutil.which("anvil")
    if found:
        return Path(found)
    raise ToolchainError("anvil is not installed. " + _INSTALL_HINT.format(root=settings.project_root))
