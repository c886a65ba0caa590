"""Settings: declared once here with default and help, overridden by config.toml."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

ENV_VAR = "SEARCH_CONFIG"
DEFAULT_FILE = Path(__file__).resolve().parent.parent / "config.toml"

# (section, key): (default, help). Paths are relative to the config file's folder.
SETTINGS: dict[tuple[str, str], tuple[object, str]] = {
    ("paths", "corpus"): ("corpus", "folder of source documents (PDF, HTML, text)"),
    ("paths", "index"): ("data", "folder holding built indexes, their reports and the CURRENT pointer"),
    ("model", "sha256"): (
        "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
        "expected sha256 of the embedding model's model.safetensors",
    ),
    ("model", "batch_size"): (32, "passages embedded per batch"),
    ("chunking", "max_tokens"): (160, "largest passage, in cl100k_base tokens"),
    ("chunking", "overlap_tokens"): (40, "tokens of trailing sentences repeated in the next passage"),
    ("search", "default_k"): (10, "results returned when k is not given"),
    ("search", "max_k"): (100, "largest k a caller may ask for"),
    ("search", "max_query_chars"): (500, "longest query accepted, in characters"),
    ("search", "candidates"): (100, "candidates taken from each retriever before fusion"),
    ("search", "keyword_weight"): (0.55, "share of keyword (BM25) in hybrid scores; the rest is semantic"),
    ("server", "host"): ("127.0.0.1", "address the web server listens on"),
    ("server", "port"): (8000, "port the web server listens on"),
    ("server", "threads"): (4, "worker threads of the WSGI server"),
    ("server", "base_url"): (
        "",
        "public address used in absolute links, e.g. https://search.example.org (empty: http://host:port)",
    ),
    ("server", "connection_limit"): (500, "open connections the server accepts before it queues new ones"),
    ("server", "channel_timeout"): (20, "seconds an idle or stalled connection is kept open"),
    ("limits", "max_file_mb"): (200, "largest corpus file ingested, in MB"),
    ("limits", "max_pages"): (3000, "most pages read from one PDF"),
    ("limits", "max_passages"): (20000, "most passages kept from one document"),
    ("limits", "max_seconds"): (120, "longest extraction of one file, in seconds"),
    ("limits", "max_memory_mb"): (2048, "memory the extraction of one file may use, in MB"),
}
NON_NEGATIVE = {"overlap_tokens"}  # every other number must be above zero


@dataclass(frozen=True)
class Config:
    """Resolved settings; paths are absolute."""

    corpus: Path
    index: Path
    sha256: str
    batch_size: int
    max_tokens: int
    overlap_tokens: int
    default_k: int
    max_k: int
    max_query_chars: int
    candidates: int
    keyword_weight: float
    host: str
    port: int
    threads: int
    base_url: str
    connection_limit: int
    channel_timeout: int
    max_file_mb: int
    max_pages: int
    max_passages: int
    max_seconds: int
    max_memory_mb: int
    source: Path | None = None


def config_path(path: str | Path | None = None) -> Path:
    """The config file to use: the argument, else $SEARCH_CONFIG, else the repository's config.toml."""
    chosen = path or os.environ.get(ENV_VAR) or DEFAULT_FILE
    return Path(chosen).resolve()


def load_config(path: str | Path | None = None) -> Config:
    """Read settings from a TOML file over the declared defaults."""
    source = config_path(path)
    if not source.is_file():
        raise FileNotFoundError(f"{source}: config file not found; pass --config FILE or set {ENV_VAR}")
    try:
        with source.open("rb") as handle:
            data = tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:
        raise ValueError(f"{source}: not valid TOML ({error}); fix the file") from error
    tables = [name for name, table in data.items() if not isinstance(table, dict)]
    if tables:
        raise ValueError(f"{source}: {tables[0]!r} should be a [table] of settings; see README 'Configuration'")
    values = {}
    for (section, key), (default, _help) in SETTINGS.items():
        value = data.get(section, {}).get(key, default)
        if type(value) is not type(default):
            raise ValueError(f"{source}: [{section}] {key} should be {type(default).__name__}, got {value!r}")
        if isinstance(value, int) and value < (0 if key in NON_NEGATIVE else 1):
            raise ValueError(f"{source}: [{section}] {key} should be above zero, got {value}")
        values[key] = value
    unknown = {(s, k) for s, table in data.items() for k in table} - set(SETTINGS)
    if unknown:
        names = ", ".join(f"[{s}] {k}" for s, k in sorted(unknown))
        raise ValueError(f"{source}: unknown setting {names}; see README 'Configuration'")
    if not 0 <= values["keyword_weight"] <= 1:
        raise ValueError(f"{source}: [search] keyword_weight should be between 0 and 1, got {values['keyword_weight']}")
    if values["base_url"] and not values["base_url"].startswith(("http://", "https://")):
        raise ValueError(f"{source}: [server] base_url should start with http:// or https://, got {values['base_url']!r}")
    values["base_url"] = values["base_url"].rstrip("/")
    base = source.parent
    values["corpus"] = (base / values["corpus"]).resolve()
    values["index"] = (base / values["index"]).resolve()
    return Config(source=source, **values)
