"""A throwaway PostgreSQL server for the tests: Debian's ``postgresql`` package (``make test`` installs it when
missing), a cluster in a temporary folder listening on 127.0.0.1 only, stopped and deleted at the end.

As root the cluster runs as the ``postgres`` user the package creates (PostgreSQL refuses to run as root).
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path


def _bindir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("pg_ctl")
    if on_path:
        return Path(on_path).resolve().parent
    raise RuntimeError("PostgreSQL is not installed: `make test` installs Debian's postgresql package.")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PostgresServer:
    """One cluster: :meth:`start`, :meth:`database` for a new empty database's URL, :meth:`stop` (and start again),
    :meth:`destroy` at the end."""

    USER = "ost"

    def __init__(self) -> None:
        self.bin = _bindir()
        self.port = _free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="ost-pg-"))
        self.data = self.folder / "data"
        self._as_postgres = os.geteuid() == 0
        if self._as_postgres:
            shutil.chown(self.folder, "postgres", "postgres")
        self._run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            self.USER,
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync",
        )

    def _run(self, tool: str, *args: str, timeout: float = 60) -> None:
        command = [str(self.bin / tool), *args]
        if self._as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd=self.folder)
        if done.returncode != 0:
            raise RuntimeError(f"{tool} failed: {done.stdout[-1500:]}{done.stderr[-1500:]}")

    def start(self) -> PostgresServer:
        # Durability settings off: a test database need not survive the machine losing power.
        options = f"-h 127.0.0.1 -p {self.port} -k {self.folder} -c fsync=off -c full_page_writes=off"
        self._run(
            "pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.folder / "log"), "-w", "-t", "30", "start"
        )
        return self

    def stop(self) -> None:
        """Shut the server down now (connections are cut), keeping its data to start again."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "-t", "30", "stop")

    def destroy(self) -> None:
        try:
            self.stop()
        except RuntimeError:
            pass  # already stopped
        shutil.rmtree(self.folder, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{self.USER}@127.0.0.1:{self.port}/{database}"

    def database(self, name: str = "bridge") -> str:
        """The URL of a new, empty database named after ``name``."""
        import psycopg

        unique = f"{''.join(c for c in name.lower() if c.isalnum())[:40]}_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(self.url(), autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{unique}"')  # type: ignore[arg-type]
        return self.url(unique)
