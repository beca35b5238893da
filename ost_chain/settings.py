"""Settings, read from the environment with the ``OST_`` prefix (and a ``.env`` file if present)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Where the toolchain lives and how contracts are compiled."""

    model_config = SettingsConfigDict(env_prefix="OST_", env_file=".env", extra="ignore")

    project_root: Path = Field(default=PROJECT_ROOT, description="Folder with contracts/ and node_modules/.")
    solc_version: str = Field(default="0.8.28", description="Solidity compiler version (npm `solc`).")
    evm_version: str = Field(default="cancun", description="EVM version the contracts are compiled for.")
    optimizer_runs: int = Field(default=1000, ge=1)
    node: str = Field(default="node", description="Node.js executable that runs solc-js.")
    anvil: Path | None = Field(default=None, description="anvil binary; default: the npm package's.")
    solcx_binary_path: Path | None = Field(
        default=None, description="Folder of compiler executables for py-solc-x; default: <root>/.solcx."
    )

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
    """The process-wide settings."""
    return Settings()
