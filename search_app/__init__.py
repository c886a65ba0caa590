"""The web app: a search form, document pages and a JSON API over the one search function."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request

from index.config import load_config
from index.publish import IndexNotFound
from index.query import QueryError
from index.search import Searcher, UnknownDocument

ERRORS = {QueryError: 400, UnknownDocument: 404, IndexNotFound: 503}


def create_app(test_config: dict | None = None, searcher: Searcher | None = None) -> Flask:
    """App factory: settings from the config file (CONFIG_FILE, else $SEARCH_CONFIG, else config.toml)."""
    app = Flask(__name__)
    app.config.from_mapping(CONFIG_FILE=None, JSON_SORT_KEYS=False)
    if test_config:
        app.config.update(test_config)
    settings = load_config(app.config["CONFIG_FILE"])
    app.config["SETTINGS"] = settings
    app.extensions["searcher"] = searcher or Searcher(settings)

    from search_app import api, pages

    app.register_blueprint(pages.bp)
    app.register_blueprint(api.bp)
    for error_type, status in ERRORS.items():
        app.register_error_handler(error_type, lambda error, status=status: error_response(error, status))
    app.register_error_handler(404, lambda error: error_response(error, 404))
    app.register_error_handler(405, lambda error: error_response(error, 405))
    return app


def error_message(error: Exception) -> str:
    """A message for the user, whatever raised it."""
    if isinstance(error, UnknownDocument):
        return f"No document with id {error.args[0]!r}. See /api/documents for the list."
    if hasattr(error, "description"):
        return error.description
    return str(error)


def error_response(error: Exception, status: int):
    """The one error shape: JSON under /api/, an HTML page elsewhere."""
    message = error_message(error)
    if request.path.startswith("/api/") or request.path == "/healthz":
        return jsonify({"error": {"status": status, "message": message}}), status
    return render_template("error.html", status=status, message=message), status
