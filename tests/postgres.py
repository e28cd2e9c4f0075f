"""A throwaway PostgreSQL cluster for the tests that run against both backends.

initdb into a fresh temporary directory, listening on loopback on a free port (and its socket in
that directory), fsync off: nothing in it outlives the test session (a benchmark asks for a
`durable` one instead: fsync and synchronous commit at PostgreSQL's defaults, as in production). PostgreSQL refuses to run
as root, and CI runs as root, so then the cluster runs as the `postgres` system user (Debian's
package creates it), else `nobody`, in a directory that user owns. Each test gets a schema of
its own (`search_path` in its URL), which is far cheaper than a database per test.
"""
from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import quote

import psycopg

SUPERUSER = "advisor"
_schemas = itertools.count(1)


def binaries() -> Path | None:
    """The directory with initdb and pg_ctl: on PATH, else the newest /usr/lib/postgresql/N/bin."""
    on_path = shutil.which("initdb") and shutil.which("pg_ctl")
    if on_path:
        return Path(shutil.which("initdb")).parent
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    return Path(found[-1]).parent if found else None


def _run_as() -> tuple[list[str], str | None]:
    """(command prefix, user) to run the server as someone other than root."""
    if os.geteuid() != 0:
        return [], None
    for user in ("postgres", "nobody"):
        try:
            pwd.getpwnam(user)
        except KeyError:
            continue
        return ["runuser", "-u", user, "--"], user
    raise RuntimeError("running as root, and neither a postgres nor a nobody user exists to run PostgreSQL as")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Cluster:
    def __init__(self, bin_dir: Path, durable: bool = False):
        self.bin_dir, self.durable = bin_dir, durable
        self.prefix, user = _run_as()
        self.root = Path(tempfile.mkdtemp(prefix="advisor-pg-"))
        if user:
            entry = pwd.getpwnam(user)
            os.chown(self.root, entry.pw_uid, entry.pw_gid)
        self.data = self.root / "data"
        self.port = _free_port()
        self.url = f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/postgres"

    def _pg(self, tool: str, *args: str) -> None:
        subprocess.run([*self.prefix, str(self.bin_dir / tool), *args], check=True, cwd=self.root,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=120)

    def start(self) -> "Cluster":
        self._pg("initdb", "-D", str(self.data), "-U", SUPERUSER, "--auth=trust", "-E", "UTF8", "--no-locale")
        options = (f"-c listen_addresses=127.0.0.1 -p {self.port} -c unix_socket_directories={self.root}"
                   " -c max_connections=200")
        if not self.durable:
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        self._pg("pg_ctl", "-D", str(self.data), "-l", str(self.root / "server.log"), "-o", options, "-w", "start")
        return self

    def postmaster_pid(self) -> int:
        """The server's main process (its backends are its children): what a benchmark measures."""
        return int((self.data / "postmaster.pid").read_text().split()[0])

    def stop(self) -> None:
        try:
            self._pg("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def new_schema(self) -> tuple[str, str]:
        """(schema name, URL whose connections use only it)."""
        name = f"t{os.getpid()}_{next(_schemas)}"
        with psycopg.connect(self.url, autocommit=True) as db:
            db.execute(f"CREATE SCHEMA {name}")
        return name, f"{self.url}?options={quote(f'-csearch_path={name}')}"

    def drop_schema(self, name: str) -> None:
        with psycopg.connect(self.url, autocommit=True) as db:
            db.execute(f"DROP SCHEMA {name} CASCADE")
