"""Where builds are kept: the seam (base.py) and its two implementations, embedded/ and postgres/.

Only open_backend() names them; everything above asks the Backend and Build protocols."""

from __future__ import annotations

from index.backends.base import Backend
from index.config import Config


def open_backend(config: Config) -> Backend:
    """The configured backend: builds in folders under [paths] index, or in a PostgreSQL database."""
    if config.backend == "postgres":
        from index.backends.postgres import Postgres  # noqa: PLC0415 (the embedded backend does not need psycopg)

        return Postgres(config.dsn)
    from index.backends.embedded import Folders  # noqa: PLC0415 (nor the postgres one FAISS)

    return Folders(config.index)
