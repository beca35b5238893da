"""`ost` processes for the tests, forked from a process that has loaded the project once.

A bridge spends 1.1 of the 1.4 CPU seconds of its start importing web3, eth-account, SQLAlchemy and FastAPI, and
the suite starts about ninety bridges and as many commands. Each test worker keeps one forkserver (the standard
library's `multiprocessing` start method) that has imported `ost` and its bridge; every `ost` a test asks for is a
fork of it that runs the same `ost_chain.cli.main` as the `ost` console script, in its own session, with the
environment, folder and output the test gave it. It is still a process of its own with its own HTTP server,
database connections and signals; only the imports are shared. The project reads its settings when it runs, never
at import (tests/cli/test_input.py compares a fork with a start), so a fork behaves as a fresh start.

The tests that are about the console script itself (`ost up`, the toolchain checks, the commands that fail
before they start) still start it from scratch with `subprocess`.
"""

from __future__ import annotations

import multiprocessing
import os
import random
import signal
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

_CONTEXT = multiprocessing.get_context("forkserver")
# What `ost api` imports before it answers, the database migrations and the web server included.
_CONTEXT.set_forkserver_preload(
    ["ost_chain.cli.root", "api.main", "api.cli", "api.migrate", "alembic.command", "alembic.ddl.sqlite"]
    + ["alembic.ddl.postgresql", "alembic.runtime.migration", "uvicorn.main", "uvicorn.lifespan.on"]
    + ["uvicorn.loops.asyncio", "uvicorn.protocols.http.h11_impl", "anyio._backends._asyncio"]
)


def _ost(argv: list[str], env: dict[str, str], cwd: str | None, out: str, err: str) -> None:
    """Inside the fork: become `ost` started in a session of its own, then run it."""
    os.setsid()
    signal.signal(signal.SIGINT, signal.default_int_handler)  # as Python starts: Ctrl-C is KeyboardInterrupt
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    if cwd is not None:
        os.chdir(cwd)
    os.environ.clear()
    os.environ.update(env)
    for path, fd in ((out, 1), (err, 2)):
        opened = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        os.dup2(opened, fd)
        os.close(opened)
    random.seed()  # the forkserver's seed is every fork's otherwise
    sys.argv = ["ost", *argv]
    from ost_chain.cli import main

    sys.exit(main())


class OstProcess:
    """What the tests use of `subprocess.Popen`, for a forked `ost`."""

    def __init__(self, args: list[str], process: multiprocessing.process.BaseProcess) -> None:
        self.args = args
        self._process = process

    @property
    def pid(self) -> int:
        assert self._process.pid is not None
        return self._process.pid

    @property
    def returncode(self) -> int | None:
        return self._process.exitcode

    def poll(self) -> int | None:
        return self._process.exitcode

    def wait(self, timeout: float | None = None) -> int:
        self._process.join(timeout)
        if self._process.exitcode is None:
            raise subprocess.TimeoutExpired(self.args, timeout or 0)
        return self._process.exitcode

    def send_signal(self, sig: int) -> None:
        if self._process.exitcode is None:
            os.kill(self.pid, sig)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


def start(
    args: Sequence[str],
    *,
    out: Path,
    err: Path | None = None,
    env: Mapping[str, str] | None = None,
    cwd: Path | str | None = None,
) -> OstProcess:
    """`ost ARGS` writing to OUT (and ERR, or OUT again), in a session of its own (as `start_new_session=True`)."""
    argv = [str(a) for a in args]
    process = _CONTEXT.Process(
        target=_ost,
        args=(
            argv,
            dict(os.environ if env is None else env),
            None if cwd is None else str(cwd),
            str(out),
            str(err or out),
        ),
        daemon=True,  # a test that forgot one does not keep its worker from ending
    )
    process.start()
    return OstProcess(["ost", *argv], process)


def run(
    args: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path | str | None = None,
    timeout: float = 120,
    check: bool = False,
) -> subprocess.CompletedProcess[str]:
    """`ost ARGS` to its end, as `subprocess.run(..., capture_output=True, text=True)` gives it."""
    with tempfile.TemporaryDirectory(prefix="ost-run-") as folder:
        out, err = Path(folder, "stdout"), Path(folder, "stderr")
        process = start(args, out=out, err=err, env=env, cwd=cwd)
        try:
            code = process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)
            raise
        done = subprocess.CompletedProcess(
            process.args, code, out.read_text(encoding="utf-8"), err.read_text(encoding="utf-8")
        )
    if check:
        done.check_returncode()
    return done
