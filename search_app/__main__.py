"""python -m search_app: serve the search app with the waitress WSGI server."""

from __future__ import annotations

import argparse
import logging
import sys

from index.backends.base import IndexNotFound
from index.config import ENV_VAR, load_config


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m search_app",
        description="Serve the search form, document pages and JSON API. The model and index are loaded once at "
        "start-up; a newly published index is picked up without a restart.",
    )
    parser.add_argument("--config", metavar="FILE", help=f"settings file (default: ${ENV_VAR} or config.toml)")
    parser.add_argument("--host", help="listen address (default: [server] host)")
    parser.add_argument("--port", type=int, help="listen port (default: [server] port)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    from search_app import MAX_BODY, create_app
    from search_app.server import make_server

    try:
        settings = load_config(args.config)
        host, port = args.host or settings.host, args.port or settings.port
        app = create_app({"CONFIG_FILE": str(settings.source), "BASE_URL": settings.base_url or f"http://{host}:{port}"})
    except (FileNotFoundError, ValueError, RuntimeError, IndexNotFound) as error:
        print(f"search_app: {error}", file=sys.stderr)
        return 2
    try:
        server = make_server(
            app,
            host=host,
            port=port,
            threads=settings.threads,
            connection_limit=settings.connection_limit,
            channel_timeout=settings.channel_timeout,
            cleanup_interval=max(1, settings.channel_timeout // 4),
            asyncore_use_poll=True,  # poll(), not select(): no limit of 1,024 open sockets
            max_request_body_size=MAX_BODY,
        )
    except OSError as error:
        print(f"search_app: cannot listen on {host}:{port} ({error.strerror}); pick another --port", file=sys.stderr)
        return 2
    logging.basicConfig()  # as waitress.serve does: its warnings, and ours, reach stderr
    print(f"Serving on http://{host}:{port}/ (links use {app.config['BASE_URL']})", flush=True)
    server.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
