"""waitress, with its own errors in the app's shape: a request waitress refuses before the app sees it (a bad
request line, a body over 1 MB, headers too large) gets the one JSON error and the security headers too."""

from __future__ import annotations

import json

from waitress.channel import HTTPChannel
from waitress.server import create_server
from waitress.task import ErrorTask

from search_app import SECURITY_HEADERS


class JsonErrorTask(ErrorTask):
    """waitress's error answer (400, 413, 431…) as {"error": {"status", "message"}}, with the security headers."""

    def execute(self):
        error = self.request.error
        message = f"{error.reason}: {' '.join(str(error.body).split())}"
        body = json.dumps({"error": {"status": error.code, "message": message}}).encode()
        self.status = f"{error.code} {error.reason}"
        self.response_headers.extend([("Content-Type", "application/json"), *SECURITY_HEADERS.items()])
        self.set_close_on_finish()
        self.content_length = len(body)
        self.write(body)


class Channel(HTTPChannel):
    error_task_class = JsonErrorTask


def make_server(app, **options):
    """A waitress server for `app` whose own error answers are in the app's shape; call .run() to serve."""
    server = create_server(app, **options)
    server.channel_class = Channel
    return server
