"""The bridge's settings (``OST_BRIDGE__…``), its own: :class:`Settings` is the command's settings
(:mod:`ost_chain.settings`, the ``OST_`` environment and ``.env``) with the bridge's nested under ``bridge``.
``ost_chain`` never reads them."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import BaseModel, Field, SecretStr, model_validator

from ost_chain.exceptions import ConfigError
from ost_chain.network import DEFAULT_TOWN
from ost_chain.settings import Settings as CoreSettings

__all__ = ["BridgeSettings", "Settings", "bridge_settings", "current_settings"]

_KEY_LIKE = re.compile(r"[A-Za-z0-9_-]{20,}")  # a path segment as long as an API key is


class BridgeSettings(BaseModel):
    """The bridge's settings (``OST_BRIDGE__…``): its town, its queue, its relayer, its pace and limits."""

    manifest: Path | None = Field(default=None, description="The (first) town's deployment manifest.")
    towns: list[Path] = Field(
        default_factory=list,
        description="More towns' manifests to serve besides the first, of its chain and OST network (their reads "
        "under /v1/towns/{slug}/).",
    )
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL of the queue; default a SQLite file beside the manifest."
    )
    relayer: str | None = Field(
        default=None,
        description="Keystore of the relayer (a coordinator that signs rewardBatch), or dev:N on the development "
        "chain; default there: the first coordinator the manifest names.",
    )
    batch_size: int = Field(default=200, ge=1, le=500, description="Most participations in one rewardBatch.")
    batch_wait: float = Field(default=0.25, ge=0, description="Seconds a partial batch waits for more.")
    stuck_after: float = Field(default=30.0, gt=0, description="Seconds before a pending transaction is re-priced.")
    in_flight_blocks: float = Field(
        default=2.0,
        gt=0,
        le=8,
        description="Gas the worker keeps in flight with a backlog, in blocks' gas limits: batches on consecutive "
        "nonces, so each block is filled.",
    )
    max_in_flight: int = Field(default=16, ge=1, le=64, description="Most batches in flight at once.")
    stall_after: float = Field(
        default=120.0,
        gt=0,
        description="Seconds without a batch mined while rows wait before /healthz says the worker is stalled.",
    )
    role_cache_seconds: float = Field(default=2.0, ge=0, description="How long an on-chain role check is trusted.")
    cap_cache_seconds: float = Field(
        default=10.0,
        gt=0,
        description="How long a coordinator's daily cap read from the chain is trusted; the worker looks again at "
        "coordinators over their caps every half of it.",
    )
    stale_role_seconds: float = Field(
        default=600.0, ge=0, description="While the chain is unreachable, trust a role seen this recently."
    )
    rate_limit: float = Field(default=50.0, gt=0, description="Requests per second per API key (sustained).")
    rate_burst: int = Field(default=2_000, ge=1, description="Requests per API key in a burst.")
    attestation_rate: float = Field(default=5.0, gt=0, description="Signed participations a second per signer.")
    attestation_burst: int = Field(default=200, ge=1, description="Signed participations per signer in a burst.")
    attestations_waiting: int = Field(
        default=1_000, ge=1, description="Most signed participations of one signer waiting to be minted."
    )
    max_body_bytes: int = Field(default=16_384, ge=256)
    low_balance_wei: int = Field(default=10**16, ge=0, description="Warn in /healthz below this relayer balance.")
    town_gas_per_day: int | None = Field(
        default=None,
        ge=0,
        le=10**12,
        description="Gas the one relayer spends at most on one town's members' relayed actions in the town's day "
        "(counted as used, else as estimated): each town's budget of the pool; 0 for none. Unset: none for a "
        "bridge of one town (its members' own day quotas bound it), 100,000,000 for a bridge of several.",
    )

    def town_budget(self, towns: int) -> int:
        """Each town's day's budget of the relayer's gas on a bridge serving ``towns`` towns (0: none)."""
        if self.town_gas_per_day is not None:
            return self.town_gas_per_day
        return 0 if towns == 1 else 100_000_000

    rpc_timeout: float = Field(default=5.0, gt=0)
    head_seconds: float = Field(
        default=0.25, ge=0, le=5, description="How long the chain's head, once asked, answers the reads that follow."
    )
    run_worker: bool = Field(default=True, description="Run the batching worker in this process.")
    run_index: bool = Field(
        default=True, description="Follow the chain into the index here (one replica at a time does, by a lease)."
    )
    index_confirmations: int | None = Field(
        default=None,
        ge=0,
        le=1_000,
        description="Blocks the index stays behind the chain's head, so what it shows is not taken back by a "
        "reorganisation (one it reads is undone all the same). Default: 0 on the development chain, else 2.",
    )
    index_poll_seconds: float = Field(default=0.5, gt=0, le=60, description="How often the index asks for new blocks.")
    index_lag_limit: int = Field(
        default=20, ge=1, description="Blocks behind its confirmations past which /healthz says the index is late."
    )
    custody_secret: SecretStr | None = Field(
        default=None,
        description="Key-encryption secret of members' phone accounts (32 random bytes or more, hex or text), kept "
        "outside the database; on the development chain, made once beside the manifest when not set.",
    )
    ussd_secret: SecretStr | None = Field(
        default=None,
        description="The USSD gateway's shared secret: in the callback URL (?secret=…) or the X-OST-Gateway-Secret "
        "header. Without it, the USSD endpoint refuses every call.",
    )
    phone_region: str = Field(default="ZA", description="Where a phone number without +country code is from.")
    phone_demo: bool | None = Field(
        default=None,
        description="Serve /phone, a feature phone in the browser on the same menu (default: on the development "
        "chain only; it dials any member's number without the gateway).",
    )
    basket_inf: Decimal = Field(default=Decimal(1), gt=0, description="INF the monthly basket costs on the phone menu.")
    sms_username: str | None = Field(default=None, description="Africa's Talking username; no SMS is sent without.")
    sms_api_key: SecretStr | None = Field(default=None, description="Africa's Talking API key.")
    sms_sender_id: str | None = Field(default=None, description="The SMS sender id or short code, if the town has one.")
    sms_api_url: str | None = Field(
        default=None,
        description="The SMS API's base URL when not Africa's Talking's own (https://api.africastalking.com): a "
        "compatible gateway, or a test's.",
    )
    chain_name: str | None = Field(
        default=None, description="The chain's name as a wallet shows it when the page adds it (default: chain N)."
    )
    native_symbol: str = Field(
        default="ETH", min_length=1, max_length=6, description="The chain's native coin, as amounts are written in it."
    )
    public_rpc_url: str | None = Field(
        default=None,
        description="A public JSON-RPC address of the chain that the page offers a wallet which does not know the "
        "chain yet (wallet_addEthereumChain). It is shown to everyone: never one with a key or password in it.",
    )

    @model_validator(mode="after")
    def _public_rpc_url_is_public(self) -> BridgeSettings:
        """The public address is shown to everyone: refuse one that carries a user, a password, a query, a fragment
        or a key-like path segment (Infura's ``/v3/<key>``, Alchemy's ``/v2/<key>``), and plain http but on this
        machine (wallets refuse it). The refusal names the setting, never its value."""
        url = self.public_rpc_url
        if url is None:
            return self
        parts = urlsplit(url)
        local = parts.hostname in ("127.0.0.1", "localhost", "::1")
        if not parts.hostname or parts.scheme not in ("https", "http") or (parts.scheme == "http" and not local):
            raise ConfigError("OST_BRIDGE__PUBLIC_RPC_URL must be an https address (http only on this machine).")
        keyed = any(_KEY_LIKE.fullmatch(segment) for segment in parts.path.split("/"))
        if parts.username or parts.password or parts.query or parts.fragment or keyed:
            raise ConfigError(
                "OST_BRIDGE__PUBLIC_RPC_URL is shown to everyone on the town page: it may carry no user, password, "
                "query, fragment or key-like path (an API key); give a public address, or leave it unset."
            )
        return self

    def database(self) -> str:
        """The queue's SQLAlchemy URL: the one set, else a SQLite file beside the manifest."""
        if self.database_url:
            return self.database_url
        if self.manifest is None:
            raise ConfigError("The bridge needs its town's manifest: pass --manifest (or set OST_BRIDGE__MANIFEST).")
        return f"sqlite:///{self.manifest.with_suffix('.bridge.sqlite').resolve()}"


class Settings(CoreSettings):
    """The command's settings and the bridge's (``OST_BRIDGE__…``)."""

    bridge: BridgeSettings = Field(default_factory=BridgeSettings)


def current_settings() -> Settings:
    """The settings as the environment holds them now, the bridge's with them."""
    return Settings()


def bridge_settings(
    manifest: Path,
    rpc_url: str,
    *,
    database_url: str | None = None,
    relayer: str | None = None,
    fresh: bool = False,
    towns: list[Path] | None = None,
) -> Settings:
    """The environment's settings for the bridge of the town of ``manifest`` (and ``towns`` besides) on ``rpc_url``;
    a database URL or relayer given here wins, and ``fresh`` ignores the environment's database (a new town gets its
    own file)."""
    settings = current_settings()
    bridge = settings.bridge.model_copy(
        update={
            "manifest": manifest,
            "towns": towns if towns is not None else settings.bridge.towns,
            "database_url": database_url or (None if fresh else settings.bridge.database_url),
            "relayer": relayer or settings.bridge.relayer,
        }
    )
    return settings.model_copy(update={"rpc_url": rpc_url, "bridge": bridge})


def operator_database(settings: Settings) -> str:
    """The bridge's database, for an operator's command (keys, SMS, the index, migrations): the one set, else the
    SQLite file beside the manifest. When that file does not exist but the folder's first town's does (a bridge of
    several towns keeps one database, its first town's), a sentence says so: no new, empty database that the bridge
    never reads, and no key in it that the bridge would refuse."""
    bridge = settings.bridge
    url, manifest = bridge.database(), bridge.manifest
    if bridge.database_url or manifest is None or manifest.with_suffix(".bridge.sqlite").exists():
        return url
    default = manifest.parent / DEFAULT_TOWN
    first = manifest.parent / default.read_text().strip() if default.is_file() else None
    if first is None or first.resolve() == manifest.resolve() or not first.with_suffix(".bridge.sqlite").exists():
        return url
    own = manifest.with_suffix(".bridge.sqlite").resolve()
    raise ConfigError(
        f"{manifest.name} has no bridge database of its own: the bridge of this folder's towns keeps its first "
        f"town's ({first.with_suffix('.bridge.sqlite').name}). For that bridge, pass --manifest {first} (and, for a "
        f"key of this town, --town {manifest}); for a bridge of this town alone, pass --database-url "
        f"sqlite:///{own} (made on first use)."
    )
