"""Serving an app in this test process: waitress on a free loopback port, in a thread."""

from __future__ import annotations

import socket
import threading
from contextlib import contextmanager

from search_app.server import make_server


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serving(app, **options):
    """Yield the base URL of `app` served by waitress on 127.0.0.1, as `python -m search_app` serves it; stop it
    afterwards."""
    server = make_server(app, host="127.0.0.1", port=free_port(), **options)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        server.close()
        thread.join(timeout=10)
