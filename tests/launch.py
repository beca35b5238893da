"""`ost` processes for the tests, forked from a process that has loaded the project once.

A bridge spends 1.1 of the 1.4 CPU seconds of its start importing web3, eth-account, SQLAlchemy and FastAPI, and
the suite starts about ninety bridges and as many commands. Each test worker keeps one forkserver (the standard
library's `multiprocessing` start method) that has imported `ost` and its bridge; every `ost` a test asks for is a
fork of it that runs the same `ost_chain.cli.main` as the `ost` console script, in a session of its own, with the
environment, folder and output the test gave it, and ends as the interpreter ends a program (its exit handlers
run; Ctrl-C that was not handled ends it by the signal). It is still a process of its own with its own HTTP server,
database connections and signals; only the imports are shared. The project reads its settings and its terminal
when it runs, never at import (tests/cli/test_input.py compares a fork with a start), so a fork behaves as a fresh
start. What only an interpreter's start reads (its flags, hash seed, locale and encoding) is the forkserver's: the
tests pass none of their own.

The tests about the console script itself (`ost up` and what it prints, the toolchain's checks, a command that
fails before its own code runs, the Ape plugin) still start it from scratch with `subprocess`.
"""

from __future__ import annotations

import atexit
import contextlib
import multiprocessing
import multiprocessing.util  # its exit handler is registered before this module's (see the end)
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

_CONTEXT = multiprocessing.get_context("forkserver")
# What `ost api` imports before it answers, the database migrations and the web server included.
_CONTEXT.set_forkserver_preload(
    ["ost_chain.cli.root", "api.main", "api.cli", "api.migrate", "alembic.command", "alembic.ddl.sqlite"]
    + ["alembic.ddl.postgresql", "alembic.runtime.migration", "uvicorn.main", "uvicorn.lifespan.on"]
    + ["uvicorn.loops.asyncio", "uvicorn.protocols.http.h11_impl", "anyio._backends._asyncio"]
)
OST = str(Path(sys.executable).with_name("ost"))  # what sys.argv[0] is in a started `ost`
_LIVE: set[OstProcess] = set()


def _ost(argv: list[str], env: dict[str, str], cwd: str, out: str, err: str) -> None:
    """Inside the fork: become `ost` started in a session of its own, run it, and end as a program ends."""
    os.setsid()
    for path, fd in ((out, 1), (err, 2)):  # first: whatever goes wrong next is written where the test reads
        opened = os.open(path, os.O_WRONLY | os.O_APPEND)
        os.dup2(opened, fd)
        os.close(opened)
    os.environ.clear()
    os.environ.update(env)
    time.tzset()
    os.chdir(cwd)
    sys.argv = [OST, *argv]
    code = 0
    try:
        from ost_chain.cli import main

        main()
    except SystemExit as done:
        code = done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
        if not isinstance(done.code, int | None):
            sys.stderr.write(f"{done.code}\n")  # as Python says a SystemExit that is no status
    except KeyboardInterrupt:
        code = -signal.SIGINT
    except BaseException:  # noqa: BLE001 - as the interpreter: any other escape is printed, status 1
        sys.excepthook(*sys.exc_info())
        code = 1
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    if code == -signal.SIGINT:  # as Python ends on a Ctrl-C nothing handled: by the signal
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGINT)
    os._exit(code & 0xFF)


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
        _LIVE.discard(self)
        return self._process.exitcode

    def send_signal(self, sig: int) -> None:
        if self._process.exitcode is None:
            with contextlib.suppress(ProcessLookupError):  # it ended meanwhile (its forkserver reaps it at once)
                os.kill(self.pid, sig)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def kill_session(self) -> None:
        """SIGKILL to its session, what it started included."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pid, signal.SIGKILL)


def start(
    args: Sequence[str],
    *,
    out: Path,
    err: Path | None = None,
    env: Mapping[str, str] | None = None,
    cwd: Path | str | None = None,
) -> OstProcess:
    """`ost ARGS` appending to OUT (and ERR, or OUT again), in a session of its own: as `subprocess.Popen(...,
    start_new_session=True)`, it returns once the process leads its session (a `killpg` reaches it)."""
    argv = [str(a) for a in args]
    folder = Path.cwd() if cwd is None else Path(cwd).resolve()
    if not folder.is_dir():
        raise FileNotFoundError(f"No such folder to run ost in: {folder}")
    paths = [Path(out).resolve(), Path(err or out).resolve()]
    for path in paths:
        path.touch()
    process = _CONTEXT.Process(
        target=_ost, args=(argv, dict(os.environ if env is None else env), str(folder), *map(str, paths))
    )
    process.start()
    launched = OstProcess([OST, *argv], process)
    _LIVE.add(launched)
    deadline = time.monotonic() + 30
    while process.exitcode is None and time.monotonic() < deadline:
        with contextlib.suppress(ProcessLookupError):
            if os.getpgid(launched.pid) == launched.pid:
                break
        time.sleep(0.002)
    return launched


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
        except BaseException:  # the timeout, or the test stopped: it does not outlive them
            process.kill_session()
            process.wait(10)
            raise
        done = subprocess.CompletedProcess(
            process.args, code, out.read_text(encoding="utf-8"), err.read_text(encoding="utf-8")
        )
    if check:
        done.check_returncode()
    return done


@atexit.register
def _stop_the_forgotten() -> None:
    """A test that left an `ost` running does not keep its worker from ending (registered after multiprocessing's
    own exit handler, so it runs before that one joins its children)."""
    for launched in list(_LIVE):
        if launched.poll() is None:
            launched.kill_session()
