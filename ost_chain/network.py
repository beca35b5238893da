"""Choose the chain and the signing account for a command.

With no RPC URL, a :class:`~ost_chain.chain.LocalChain` is started for the duration and the
development accounts sign. With ``rpc_url``, the account comes from an encrypted keystore (the
v3 format geth and Ape write); its passphrase from ``OST_PASSPHRASE`` or a prompt, never logged.
"""

from __future__ import annotations

import getpass
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from eth_account import Account
from eth_account.signers.local import LocalAccount

from .chain import LocalChain, dev_accounts
from .client import ChainClient
from .exceptions import ConfigError
from .settings import Settings, get_settings


@dataclass
class Session:
    """A connected chain, the account that signs, and whether the chain is the embedded one."""

    client: ChainClient
    signer: LocalAccount
    embedded: bool
    dev_accounts: tuple[LocalAccount, ...] = field(default_factory=tuple)


def load_keystore(path: Path, passphrase: str | None = None) -> LocalAccount:
    """Decrypt a v3 keystore file; the passphrase comes from the argument, OST_PASSPHRASE or a prompt."""
    try:
        keyfile = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise ConfigError(f"Cannot read the keystore {path}: {exc}") from exc
    secret = passphrase if passphrase is not None else os.environ.get("OST_PASSPHRASE")
    if secret is None:
        secret = getpass.getpass(f"Passphrase for {path.name}: ")
    try:
        key = Account.decrypt(keyfile, secret)
    except ValueError:
        raise ConfigError(f"Wrong passphrase for the keystore {path}.") from None
    return Account.from_key(key)


@contextmanager
def open_session(
    rpc_url: str | None = None,
    account: Path | None = None,
    *,
    settings: Settings | None = None,
) -> Iterator[Session]:
    """Connect to ``rpc_url`` (or start the embedded chain) and yield a :class:`Session`."""
    settings = settings or get_settings()
    if rpc_url is None:
        if account is not None:
            raise ConfigError("--account needs --rpc-url: the embedded chain signs with its development accounts.")
        with LocalChain(settings=settings) as node:
            accounts = dev_accounts()
            yield Session(ChainClient.connect(node.rpc_url, settings=settings), accounts[0], True, accounts)
        return
    if account is None:
        raise ConfigError("--rpc-url needs --account KEYSTORE: the file of the account that signs.")
    signer = load_keystore(account)
    yield Session(ChainClient.connect(rpc_url, settings=settings), signer, False)
