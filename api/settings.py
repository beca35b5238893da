"""The bridge's settings, from the environment with the ``OST_`` prefix (``OST_MANIFEST``, ``OST_DATABASE_URL``…)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from ost_chain.network import DEFAULT_RPC_URL


class BridgeSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="OST_", env_file=".env", extra="ignore")

    manifest: Path = Field(description="The town's deployment manifest.")
    rpc_url: str = Field(default=DEFAULT_RPC_URL, description="JSON-RPC URL of the town's chain.")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL of the queue; default a SQLite file beside the manifest."
    )
    relayer: str | None = Field(
        default=None,
        description="Keystore of the relayer (a coordinator that signs rewardBatch), or dev:N on the development "
        "chain; default there: the first coordinator the manifest names.",
    )
    passphrase: SecretStr | None = Field(default=None, description="The relayer keystore's passphrase.")
    batch_size: int = Field(default=200, ge=1, le=500, description="Most participations in one rewardBatch.")
    batch_wait: float = Field(default=0.25, ge=0, description="Seconds a partial batch waits for more.")
    stuck_after: float = Field(default=30.0, gt=0, description="Seconds before a pending transaction is re-priced.")
    role_cache_seconds: float = Field(default=2.0, ge=0, description="How long an on-chain role check is trusted.")
    stale_role_seconds: float = Field(
        default=600.0, ge=0, description="While the chain is unreachable, trust a role seen this recently."
    )
    rate_limit: float = Field(default=50.0, gt=0, description="Requests per second per API key (sustained).")
    rate_burst: int = Field(default=2_000, ge=1, description="Requests per API key in a burst.")
    max_body_bytes: int = Field(default=16_384, ge=256)
    low_balance_wei: int = Field(default=10**16, ge=0, description="Warn in /healthz below this relayer balance.")
    rpc_timeout: float = Field(default=5.0, gt=0)
    run_worker: bool = Field(default=True, description="Run the batching worker in this process.")

    def database(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.manifest.with_suffix('.bridge.sqlite').resolve()}"
