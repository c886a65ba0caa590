"""Work one client may ask for: expensive requests (batches, contexts, exports, page renders) are counted per
client address, and one past [server] client_expensive is refused at once with 429 and Retry-After, so that one
client cannot make everyone else's searches wait. Behind a reverse proxy every client has the proxy's address:
limit per client there (docs/operating.md, "Running behind a reverse proxy")."""

from __future__ import annotations

import threading
from collections import Counter
from contextlib import contextmanager
from functools import wraps

from flask import current_app, request
from werkzeug.exceptions import TooManyRequests


class ClientLimit:
    """How many expensive requests each client address has running."""

    def __init__(self, most: int):
        self.most = most
        self.lock = threading.Lock()
        self.running: Counter[str] = Counter()

    @contextmanager
    def hold(self, client: str):
        """Count one more running request of `client` while the block runs; TooManyRequests past the limit."""
        with self.lock:
            if self.running[client] >= self.most:
                raise TooManyRequests(
                    f"{self.running[client]} expensive requests (batch, context, export, page image) from your "
                    f"address are still running; wait for them, then try again ([server] client_expensive)."
                )
            self.running[client] += 1
        try:
            yield
        finally:
            with self.lock:
                self.running[client] -= 1
                if not self.running[client]:
                    del self.running[client]


def held():
    """This request counted against its client's expensive requests while the block runs."""
    return current_app.extensions["client_limit"].hold(request.remote_addr or "")


def expensive(view):
    """A view whose requests count against the client's limit."""

    @wraps(view)
    def limited(*args, **kwargs):
        with held():
            return view(*args, **kwargs)

    return limited
