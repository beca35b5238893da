"""Choose the chain and the signing account for a command.

With no RPC URL, a :class:`~ost_chain.chain.LocalChain` is started for the duration and the
development accounts sign. With ``rpc_url``, the account comes from an encrypted keystore (the
v3 format geth and Ape write); its passphrase from ``OST_PASSPHRASE`` or a prompt, never logged.
"""

from __future__ import annotations

import getpass
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from eth_account import Account
from eth_account.signers.local import LocalAccount

from .chain import DEV_CHAIN_ID, LocalChain, dev_accounts
from .client import ChainClient
from .exceptions import ConfigError
from .settings import Settings, current_settings, get_settings


@dataclass
class Session:
    """A connected chain, the account that signs, and whether the chain is the embedded one."""

    client: ChainClient
    signer: LocalAccount
    embedded: bool
    dev_accounts: tuple[LocalAccount, ...] = field(default_factory=tuple)


KEYSTORE_FOLDERS = (("~/.ape/accounts", ".json"), ("~/.foundry/keystores", ""))  # Ape's and Foundry's, by name


def keystore_path(account: str) -> Path:
    """A keystore file, or the name of one in Ape's (``~/.ape/accounts/NAME.json``) or Foundry's
    (``~/.foundry/keystores/NAME``) folder."""
    path = Path(account).expanduser()
    if path.exists() or "/" in account or account.endswith(".json"):
        return path
    for folder, suffix in KEYSTORE_FOLDERS:
        named = Path(folder).expanduser() / f"{account}{suffix}"
        if named.exists():
            return named
    places = ", ".join(f"{folder}/{account}{suffix}" for folder, suffix in KEYSTORE_FOLDERS)
    raise ConfigError(f"No keystore {account!r}: it is not a file here, nor {places}.")


def load_keystore(path: Path, passphrase: str | None = None) -> LocalAccount:
    """Decrypt a v3 keystore file (or one named in Ape's or Foundry's folder); the passphrase comes from the
    argument, OST_PASSPHRASE, the password file (--password-file, OST_PASSWORD_FILE) or a prompt."""
    path = keystore_path(str(path))
    try:
        keyfile = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise ConfigError(f"Cannot read the keystore {path}: {exc}") from exc
    if passphrase is None:
        settings = current_settings()
        if settings.password_file is not None:  # named for this run: it wins over OST_PASSPHRASE
            try:
                passphrase = settings.password_file.read_text().splitlines()[0]
            except (OSError, IndexError):
                raise ConfigError(f"Cannot read a passphrase from {settings.password_file}.") from None
        else:
            stored = settings.passphrase
            passphrase = stored.get_secret_value() if stored is not None else None
    secret = passphrase
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


DEFAULT_TOWN = "default-town"  # beside the manifests: which one `ost` commands mean when there are several


def set_default_town(manifest: Path) -> None:
    """Make ``manifest`` the town `ost` commands mean in its folder when it holds several (``ost up`` does)."""
    (manifest.parent / DEFAULT_TOWN).write_text(manifest.name + "\n")


def find_manifest(root: Path, chain_id: int) -> Path:
    """The one town manifest under ``root/deployments/<chain_id>/``, or a clear error."""
    folder = root / "deployments" / str(chain_id)
    found = sorted(p for p in folder.glob("*.json") if p.name != "network.json") if folder.is_dir() else []
    if len(found) == 1:
        return found[0]
    default = folder / DEFAULT_TOWN
    if len(found) > 1 and default.is_file() and (folder / default.read_text().strip()) in found:
        return folder / default.read_text().strip()
    if not found:
        raise ConfigError(
            f"No town is deployed on chain {chain_id} from this folder (nothing in {folder}); "
            "run `ost up` or `ost deploy PLAN`, or name the manifest with --manifest."
        )
    names = ", ".join(p.name for p in found)
    raise ConfigError(f"Several towns are deployed on chain {chain_id} ({names}); choose one with --manifest.")


def resolve_signer(chain_id: int, account: str | None, default: str | None = None, *, role: str = "") -> LocalAccount:
    """The account that signs: a keystore path, ``dev:N`` on the development chain, or the development account
    holding ``role`` (``default``) when none is named there."""
    developing = chain_id == DEV_CHAIN_ID
    if account is None:
        if developing and default is not None:
            match = [a for a in dev_accounts() if a.address.lower() == default.lower()]
            if match:
                return match[0]
        who = f"the {role} ({default})" if role and default else f"the {role or 'account that acts'}"
        options = "--account KEYSTORE or --account dev:N" if developing else "--account KEYSTORE"
        raise ConfigError(f"This is signed by {who}: pass {options}.")
    if account.startswith("dev:"):
        if not developing:
            raise ConfigError(
                f"dev:N accounts exist only on the development chain ({DEV_CHAIN_ID}); this is chain {chain_id}: "
                "pass --account KEYSTORE."
            )
        index = account[4:]
        accounts = dev_accounts()
        if not index.isdigit() or int(index) >= len(accounts):
            raise ConfigError(f"{account!r}: expected dev:0 to dev:{len(accounts) - 1}.")
        return accounts[int(index)]
    return load_keystore(Path(account))
