"""The web app: a search form, document pages and a JSON API over the one search function."""

from __future__ import annotations

import logging
from urllib.parse import unquote_to_bytes

from flask import Flask, jsonify, make_response, render_template, request
from flask_cors import CORS
from werkzeug.exceptions import HTTPException

from index.backends.base import IndexNotFound
from index.config import load_config
from index.query import QueryError
from index.search import IndexGone, Searcher, UnknownDocument, UnknownPassage
from search_app import schemas
from search_app.limits import ClientLimit
from search_app.pageimage import Budget, PageTooLarge, RenderBusy, Renderer

ERRORS = {
    QueryError: 400,
    UnknownDocument: 404,
    UnknownPassage: 404,
    IndexGone: 410,
    PageTooLarge: 422,
    IndexNotFound: 503,
    RenderBusy: 503,
}
MAX_BODY = 1 << 20  # the largest request body (a batch), as waitress's max_request_body_size
RETRY_SECONDS = 5  # Retry-After of a 503 for work that is only busy
# No script, frame or plugin from anywhere else; the app's pages use only its own stylesheet.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self' data:; script-src 'self'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}
PDF_POLICY = "default-src 'none'; object-src 'self'; frame-ancestors 'self'"  # an original PDF: shown, never scripted


def create_app(test_config: dict | None = None, searcher: Searcher | None = None) -> Flask:
    """App factory: settings from the config file (CONFIG_FILE, else $SEARCH_CONFIG, else config.toml)."""
    app = Flask(__name__)
    app.url_map.merge_slashes = False  # "//x" is not found, rather than redirected to an address built on the Host
    app.config.from_mapping(CONFIG_FILE=None, MAX_CONTENT_LENGTH=MAX_BODY)
    app.json.sort_keys = False  # fields in their documented order, facet values most frequent first
    if test_config:
        app.config.update(test_config)
    settings = load_config(app.config["CONFIG_FILE"])
    app.config["SETTINGS"] = settings
    app.config.setdefault("BASE_URL", settings.base_url or f"http://{settings.host}:{settings.port}")
    app.extensions["searcher"] = searcher or Searcher(settings)
    app.extensions["client_limit"] = ClientLimit(settings.client_expensive)
    app.extensions["renderer"] = Renderer(
        settings.index / "page-images", Budget(settings.page_max_pixels, settings.page_max_points),
        settings.render_workers, settings.max_memory_mb, settings.render_waiting, settings.page_cache_mb,
    )  # fmt: skip

    from search_app import api, councils, feeds, openapi, pages, research

    app.register_blueprint(pages.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(research.bp)
    app.register_blueprint(openapi.bp)
    app.register_blueprint(feeds.bp)
    app.register_blueprint(councils.bp)
    CORS(
        app,
        resources={r"/api/*": {"origins": "*"}, "/healthz": {"origins": "*"}},
        methods=["GET", "POST"],
        send_wildcard=True,
    )
    for error_type, status in ERRORS.items():
        app.register_error_handler(error_type, lambda error, status=status: error_response(error, status))
    app.register_error_handler(HTTPException, lambda error: error_response(error, error.code or 500))
    app.register_error_handler(Exception, internal_error)
    app.before_request(refuse_bad_encoding)
    app.after_request(add_security_headers)
    return app


def refuse_bad_encoding():
    """A query string that is not UTF-8 is refused, not searched as its escapes ("%ED%A0%80")."""
    try:
        unquote_to_bytes(request.query_string.replace(b"+", b" ")).decode("utf-8")
    except UnicodeDecodeError:
        raise QueryError("The query string is not valid UTF-8: encode the parameters' values as UTF-8.") from None


def add_security_headers(response):
    """Every response: a strict content policy, no MIME sniffing, no framing."""
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if response.mimetype == "application/pdf":
        response.headers["Content-Security-Policy"] = PDF_POLICY
    return response


def internal_error(error: Exception):
    """A bug: logged with its traceback for the operator, one JSON or HTML error for the user."""
    logging.getLogger(__name__).exception("unhandled error on %s", request.path)
    return error_response(RuntimeError("Internal error: the search service failed; try again or report it."), 500)


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
        body = schemas.Error(error=schemas.ErrorBody(status=status, message=message))
        response = make_response(jsonify(body.model_dump(mode="json")), status)
    else:
        response = make_response(render_template("error.html", status=status, message=message), status)
    if isinstance(error, HTTPException) and (allowed := dict(error.get_headers()).get("Allow")):
        response.headers["Allow"] = allowed  # a 405 says which methods the path takes
    if isinstance(error, RenderBusy) or status == 429:
        response.headers["Retry-After"] = str(RETRY_SECONDS)
    return response
