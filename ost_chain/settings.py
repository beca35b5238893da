"""The one home of settings: the environment with the ``OST_`` prefix (and a ``.env`` file if present).

Nested groups use a double underscore: ``OST_BRIDGE__BATCH_SIZE=100``. Secrets (the keystore
passphrase) are read here and nowhere else, and are never printed.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from dotenv import dotenv_values
from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from .exceptions import ConfigError

PROJECT_ROOT = Path(__file__).resolve().parent.parent


DEFAULT_RPC_URL = "http://127.0.0.1:8545"  # where `ost up` keeps the embedded chain


# The bridge's settings before they were nested: a forgotten one must not be ignored in silence.
_RENAMED = (
    "DATABASE_URL",
    "RELAYER",
    "BATCH_SIZE",
    "BATCH_WAIT",
    "STUCK_AFTER",
    "ROLE_CACHE_SECONDS",
    "STALE_ROLE_SECONDS",
    "RATE_LIMIT",
    "RATE_BURST",
    "MAX_BODY_BYTES",
    "LOW_BALANCE_WEI",
    "RPC_TIMEOUT",
    "RUN_WORKER",
)


class Settings(BaseSettings):
    """Where the toolchain lives and how contracts are compiled; the chain, the keystore passphrase. The bridge's own
    settings (``OST_BRIDGE__…``) are the bridge's: :mod:`api.settings` adds them."""

    model_config = SettingsConfigDict(
        env_prefix="OST_", env_file=".env", extra="ignore", env_nested_delimiter="__", hide_input_in_errors=True
    )  # an error names the setting, never its value (a passphrase, a key in a URL)

    project_root: Path = Field(default=PROJECT_ROOT, description="Folder with contracts/ and node_modules/.")
    solc_version: str = Field(default="0.8.28", description="Solidity compiler version (npm `solc`).")
    evm_version: str = Field(default="cancun", description="EVM version the contracts are compiled for.")
    optimizer_runs: int = Field(default=1000, ge=1)
    node: str = Field(default="node", description="Node.js executable that runs solc-js.")
    anvil: Path | None = Field(default=None, description="anvil binary; default: the npm package's.")
    solcx_binary_path: Path | None = Field(
        default=None, description="Folder of compiler executables for py-solc-x; default: <root>/.solcx."
    )

    rpc_url: str | None = Field(
        default=None, description="JSON-RPC URL of the chain; default the one `ost up` keeps, " + DEFAULT_RPC_URL
    )
    passphrase: SecretStr | None = Field(default=None, description="Passphrase of the keystores that sign.")
    password_file: Path | None = Field(
        default=None, description="A file whose first line is the keystores' passphrase (as `cast --password-file`)."
    )
    deploy_fail_after: int | None = Field(
        default=None, ge=0, description="A test aid: stop a deployment after this many transactions."
    )

    @model_validator(mode="after")
    def _no_old_names(self) -> Settings:
        env_file = Path(str(self.model_config.get("env_file") or ".env"))
        given = set(os.environ) | (set(dotenv_values(env_file)) if env_file.is_file() else set())
        old = [f"OST_{name}" for name in _RENAMED if f"OST_{name}" in given]
        if old:
            new = ", ".join(f"{name} is now OST_BRIDGE__{name[4:]}" for name in old)
            raise ConfigError(
                f"The bridge's settings moved under OST_BRIDGE__: {new}. Rename them (in the environment or "
                f"{env_file}) and run again."
            )
        return self

    @property
    def chain_url(self) -> str:
        """The chain's URL: the one set, else the one `ost up` keeps."""
        return self.rpc_url or DEFAULT_RPC_URL

    @property
    def contracts_dir(self) -> Path:
        return self.project_root / "contracts"

    @property
    def node_modules(self) -> Path:
        return self.project_root / "node_modules"

    @property
    def build_dir(self) -> Path:
        return self.project_root / "build"

    @property
    def solcx_dir(self) -> Path:
        return self.solcx_binary_path or self.project_root / ".solcx"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once (the toolchain's, which do not change while a process runs)."""
    return Settings()


def current_settings() -> Settings:
    """The settings as the environment holds them now (a passphrase may be given for one command)."""
    return Settings()
