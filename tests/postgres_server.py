"""Run a command against a throw-away PostgreSQL cluster on 127.0.0.1 (used by `make test`).

Usage: python tests/postgres_server.py -- <command...>
The command gets TERRAIN_TEST_DATABASE_URL; the cluster lives in a temporary folder and is removed after.
Exits 0 without running anything (and says so) when no PostgreSQL server binaries are installed.
"""
from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time


def server_binaries() -> str | None:
    """The bin folder of the newest installed PostgreSQL server."""
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if candidates:
        return os.path.dirname(candidates[-1])
    initdb = shutil.which("initdb")
    return os.path.dirname(initdb) if initdb else None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def main(argv: list[str]) -> int:
    command = argv[argv.index("--") + 1:] if "--" in argv else argv
    binaries = server_binaries()
    if binaries is None:
        print("PostgreSQL n'est pas installé : tests PostgreSQL sautés.")
        return 0
    folder = tempfile.mkdtemp(prefix="terrain-pg-")
    data, port = os.path.join(folder, "data"), free_port()
    # initdb refuses to run as root: the cluster belongs to the postgres user when we are root.
    run_as = None
    if os.geteuid() == 0:
        run_as = pwd.getpwnam("postgres")
        os.chown(folder, run_as.pw_uid, run_as.pw_gid)

    def as_owner(args):
        if run_as is None:
            return subprocess.run(args, check=True, capture_output=True)
        return subprocess.run(args, check=True, capture_output=True, user=run_as.pw_uid, group=run_as.pw_gid)

    try:
        as_owner([f"{binaries}/initdb", "-D", data, "-A", "trust", "-U", "postgres", "--no-sync"])
        as_owner([f"{binaries}/pg_ctl", "-D", data, "-w", "-l", os.path.join(folder, "log"), "-o",
                  f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200",
                  "start"])
        env = dict(os.environ, TERRAIN_TEST_DATABASE_URL=f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres")
        print(f"PostgreSQL de test sur 127.0.0.1:{port}")
        return subprocess.run(command, env=env, check=False).returncode
    finally:
        try:
            as_owner([f"{binaries}/pg_ctl", "-D", data, "-m", "immediate", "stop"])
        except subprocess.CalledProcessError:
            pass
        time.sleep(0.2)
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
