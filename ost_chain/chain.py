"""The embedded chain: an anvil node on 127.0.0.1 that ost_chain starts and always stops.

With no network named, commands run against a :class:`LocalChain`: anvil on a free port with
the deterministic development accounts of the standard test mnemonic. It is stopped on normal
exit, on errors and on Ctrl-C.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import threading
import time
from functools import lru_cache
from types import TracebackType
from typing import IO

from eth_account import Account
from eth_account.signers.local import LocalAccount

from ._toolchain import anvil_executable
from .exceptions import ChainError
from .settings import Settings, get_settings

DEV_MNEMONIC = "test test test test test test test test test test test junk"
DEV_CHAIN_ID = 31337
DEV_ACCOUNT_COUNT = 20
_START_TIMEOUT = 20.0


@lru_cache(maxsize=4)
def dev_accounts(count: int = DEV_ACCOUNT_COUNT) -> tuple[LocalAccount, ...]:
    """The development accounts anvil funds: ``m/44'/60'/0'/0/i`` of the test mnemonic."""
    Account.enable_unaudited_hdwallet_features()
    return tuple(Account.from_mnemonic(DEV_MNEMONIC, account_path=f"m/44'/60'/0'/0/{i}") for i in range(count))


class LocalChain:
    """An anvil process on 127.0.0.1, used as a context manager::

    with LocalChain() as node:
        print(node.rpc_url)
    """

    def __init__(
        self,
        *,
        chain_id: int = DEV_CHAIN_ID,
        accounts: int = DEV_ACCOUNT_COUNT,
        port: int = 0,
        block_time: float | None = None,
        extra_args: tuple[str, ...] = (),
        settings: Settings | None = None,
    ) -> None:
        self.chain_id = chain_id
        self._settings = settings or get_settings()
        self._args = [
            str(anvil_executable(self._settings)),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--chain-id",
            str(chain_id),
            "--accounts",
            str(accounts),
            "--mnemonic",
            DEV_MNEMONIC,
            "--hardfork",
            self._settings.evm_version,
            *(["--block-time", str(block_time)] if block_time else []),
            *extra_args,
        ]
        self._process: subprocess.Popen[str] | None = None
        self.rpc_url = ""

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self) -> LocalChain:
        """Start anvil and wait until it listens; raise :class:`ChainError` if it does not."""
        if self.running:
            return self
        self._process = subprocess.Popen(
            self._args,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            text=True,
            start_new_session=True,  # Ctrl-C in a terminal reaches us, and we stop anvil ourselves
            preexec_fn=_die_with_parent,
        )
        assert self._process.stdout is not None
        port = self._wait_for_port(self._process.stdout)
        self.rpc_url = f"http://127.0.0.1:{port}"
        # Keep reading anvil's output so a full pipe never blocks it.
        threading.Thread(target=_drain, args=(self._process.stdout,), daemon=True).start()
        return self

    def _wait_for_port(self, stdout: IO[str]) -> int:
        deadline = time.monotonic() + _START_TIMEOUT
        seen: list[str] = []
        result: list[int] = []

        def read() -> None:
            for line in stdout:
                seen.append(line.rstrip())
                if line.startswith("Listening on "):
                    result.append(int(line.rsplit(":", 1)[1]))
                    return

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        reader.join(max(0.0, deadline - time.monotonic()))
        if not result:
            self.stop()
            tail = "\n".join(seen[-10:])
            raise ChainError(f"anvil did not start within {_START_TIMEOUT:.0f} s:\n{tail}")
        return result[0]

    def stop(self) -> None:
        """Stop anvil (SIGTERM, then SIGKILL after 5 s). Safe to call twice."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)
        except ProcessLookupError:
            pass

    def __enter__(self) -> LocalChain:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def __del__(self) -> None:
        self.stop()


def _die_with_parent() -> None:
    """In the child before exec: on Linux, have the kernel stop anvil if this process dies without stopping it
    (SIGKILL, a crash), so no node outlives the command or test that started it."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _drain(stream: IO[str]) -> None:
    for _ in stream:
        pass
