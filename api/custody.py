"""Members with a feature phone: a custodial key per phone number, held by the bridge; a PIN; the phone itself.

A phone member's key is made here, sealed with AES-256-GCM under a key derived (HKDF-SHA256) from the
key-encryption secret in the settings, with the account's address as associated data (a sealed key
moved to another row does not open). The secret never reaches the database, a response or the log;
the key is opened only to sign one of the member's own actions, which then goes through the relay
desk like any other member's (quotas included). PINs are hashed with Argon2id; three wrong PINs lock
the account until the Town Ambassador resets it. Phone numbers are kept in E.164 (``phonenumbers``).

A PIN is hashed with libsodium's Argon2id (PyNaCl), at OWASP's minimum: 19 MiB, 2 passes, 1 lane. Its
vector code takes about 10 ms of a core here, half of what the portable code of ``argon2-cffi`` took for the
same parameters and the same stored form (``$argon2id$v=19$m=19456,t=2,p=1$…``, so a PIN hashed by either
is checked by the other). It leaves Python's lock while it runs: a bridge answering a phone menu does it on
a pool of its own, one thread a core (:class:`PinPool`), never on the event loop or on a thread another
member's step is waiting for.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import os
import re
import secrets
import stat
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import phonenumbers
from Crypto.Cipher import AES
from Crypto.Hash import SHA256
from Crypto.Protocol.KDF import HKDF
from eth_account import Account
from eth_account.signers.local import LocalAccount
from nacl import pwhash
from nacl.exceptions import CryptoError

from ost_chain.chain import DEV_CHAIN_ID
from ost_chain.exceptions import ConfigError

from .i18n import Words, _
from .settings import BridgeSettings

PIN_TRIES = 3
PIN_DIGITS = (4, 6)
# OWASP's Argon2id minimum (19 MiB, 2 passes; libsodium's Argon2id has 1 lane): about 10 ms a hash on one core.
PIN_MEMORY_KIB, PIN_PASSES = 19_456, 2


class Vault:
    """Seals and opens custodial keys under the key-encryption secret."""

    def __init__(self, secret: bytes) -> None:
        if len(secret) < 32:
            raise ConfigError("The custody secret must be 32 bytes or more: make one with `openssl rand -hex 32`.")
        derived = HKDF(secret, 32, b"ost custody v1", SHA256)
        self._key: bytes = derived if isinstance(derived, bytes) else derived[0]

    def seal(self, account: LocalAccount) -> str:
        nonce = secrets.token_bytes(12)
        cipher = AES.new(self._key, AES.MODE_GCM, nonce=nonce)
        cipher.update(account.address.lower().encode())
        sealed, tag = cipher.encrypt_and_digest(bytes(account.key))
        return "v1:" + base64.b64encode(nonce + sealed + tag).decode()

    def open(self, sealed: str, address: str) -> LocalAccount:
        raw = base64.b64decode(sealed.removeprefix("v1:"))
        cipher = AES.new(self._key, AES.MODE_GCM, nonce=raw[:12])
        cipher.update(address.lower().encode())
        try:
            key = cipher.decrypt_and_verify(raw[12:-16], raw[-16:])
        except ValueError:
            raise ConfigError(
                f"The phone account {address} cannot be opened with this custody secret: the secret changed, or the "
                "record was altered."
            ) from None
        account: LocalAccount = Account.from_key(key)
        if account.address.lower() != address.lower():
            raise ConfigError(f"The phone account {address} holds another key: its record was altered.")
        return account

    def pepper(self, address: str, pin: str) -> str:
        """What is hashed for the PIN of the account at ``address``: the PIN keyed with the custody secret, so a copy
        of the database alone cannot try the 10,000 four-digit PINs against its hashes (and a number moved after a
        lost SIM keeps its PIN)."""
        return hmac.new(self._key, f"pin:{address.lower()}:{pin}".encode(), hashlib.sha256).hexdigest()

    @staticmethod
    def new_account() -> LocalAccount:
        account: LocalAccount = Account.create()
        return account


def vault_for(settings: BridgeSettings, chain_id: int) -> Vault:
    """The vault under the settings' custody secret; on the development chain, when none is set, a secret made once
    and kept beside the manifest (readable by its owner only). Elsewhere, no secret is a sentence."""
    if settings.custody_secret is not None:
        given = settings.custody_secret.get_secret_value().strip()
        try:
            return Vault(bytes.fromhex(given))
        except ValueError:
            return Vault(given.encode())
    if chain_id != DEV_CHAIN_ID or settings.manifest is None:
        raise ConfigError(
            "Phone members need a custody secret: set OST_BRIDGE__CUSTODY_SECRET (e.g. `openssl rand -hex 32`), "
            "kept outside the database and backed up apart from it."
        )
    path = Path(settings.manifest).with_suffix(".custody-secret")
    return Vault(bytes.fromhex(development_secret(path, lambda: secrets.token_hex(32))))


def development_secret(path: Path, make: Callable[[], str]) -> str:
    """The development chain's secret kept in ``path``: made once by ``make`` (readable by its owner only; another
    process of the bridge making it at the same moment is no harm), refused if others may read it."""
    if not path.exists():
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(descriptor, "w") as out:
                out.write(make() + "\n")
    if stat.S_IMODE(path.stat().st_mode) & 0o077:
        raise ConfigError(f"{path} may be read by others: `chmod 600 {path}`.")
    return path.read_text().strip()


NOT_A_PHONE = _("'{number}' is not a phone number: write it as +27 82 123 4567, or as dialled in {region}.")


@lru_cache(maxsize=8192)  # the same members dial all day; a number is read twice a PIN step
def e164(number: str, region: str) -> str:
    """``number`` in E.164 (``+27821234567``), read as dialled in ``region`` when it has no +country code. Only
    digits, spaces, dashes, dots, brackets and a leading + are a phone number: letters are refused, not turned into
    keypad digits (``+2782abc`` is no one's ``+2782222``)."""
    if not re.fullmatch(r"\+?[0-9 ()./-]{4,24}", number.strip()):
        raise ConfigError(Words(NOT_A_PHONE, number=number, region=region))
    try:
        parsed = phonenumbers.parse(number, region)
    except phonenumbers.NumberParseException:
        parsed = None
    if parsed is None or not phonenumbers.is_valid_number(parsed) or _too_short(parsed):
        raise ConfigError(Words(NOT_A_PHONE, number=number, region=region))
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def _too_short(parsed: phonenumbers.PhoneNumber) -> bool:
    """Shorter than its country's numbers of its kind by more than a digit (the metadata calls a 5-digit +27 82 number
    valid; South Africa's mobiles have 9, Lebanon's 7 or 8)."""
    region = phonenumbers.region_code_for_number(parsed)
    example = phonenumbers.example_number_for_type(region, phonenumbers.number_type(parsed)) if region else None
    return example is not None and len(str(parsed.national_number)) < len(str(example.national_number)) - 1


def shown(phone: str) -> str:
    """A phone number as a screen shows someone else's: its last three digits only (``+27...567``)."""
    return f"{phone[:3]}...{phone[-3:]}"


def valid_pin(pin: str) -> bool:
    return pin.isdigit() and PIN_DIGITS[0] <= len(pin) <= PIN_DIGITS[1]


def hash_pin(pin: str) -> str:
    hashed: bytes = pwhash.argon2id.str(pin.encode(), opslimit=PIN_PASSES, memlimit=PIN_MEMORY_KIB * 1024)
    return hashed.decode()


def pin_matches(hashed: str, pin: str) -> bool:
    """Whether ``pin`` is the one ``hashed`` was made of; a hash that is not Argon2id's (or none) matches nothing."""
    if not hashed.startswith("$argon2id$"):
        return False
    try:
        return bool(pwhash.argon2id.verify(hashed.encode(), pin.encode()))
    except CryptoError:
        return False


@dataclass(frozen=True)
class PinWork:
    """One piece of Argon2id work: ``secret`` (a PIN as :meth:`Vault.pepper` gives it) checked against ``hashed``,
    or hashed afresh when ``hashed`` is None. Neither is ever shown in a repr."""

    secret: str = field(repr=False)
    hashed: str | None = field(default=None, repr=False)

    def run(self) -> bool | str:
        """Whether the secret matches, or its new hash."""
        return hash_pin(self.secret) if self.hashed is None else pin_matches(self.hashed, self.secret)


class PinPool:
    """Threads for Argon2id, one a core by default: at most that many hashes run at once, the rest wait in the pool's
    queue, their steps holding no thread. A thread takes its next hash from the queue itself (an event loop busy with
    a hundred phones is not asked between two hashes). ``asked`` and ``hashes`` count the work since start."""

    def __init__(self, threads: int | None = None) -> None:
        self.threads = threads or os.cpu_count() or 1
        self.executor = ThreadPoolExecutor(self.threads, thread_name_prefix="ost-pin")
        self.asked = self.hashes = 0  # changed on the event loop's one thread only

    async def run(self, work: PinWork) -> bool | str:
        self.asked += 1
        done = await asyncio.wrap_future(self.executor.submit(work.run))
        self.hashes += 1
        return done

    def close(self) -> None:
        self.executor.shutdown(wait=False, cancel_futures=True)

    def __str__(self) -> str:
        parameters = f"m={PIN_MEMORY_KIB} KiB, t={PIN_PASSES}, p=1"
        return f"{self.hashes} Argon2id PIN hashes ({parameters}), {self.threads} at once"
