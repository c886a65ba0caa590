"""Settings: declared once here with default and help, overridden by config.toml."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

ENV_VAR = "SEARCH_CONFIG"
DEFAULT_FILE = Path(__file__).resolve().parent.parent / "config.toml"

DECLARED = Path(__file__).resolve().parent / "settings.toml"
# (section, key): (default, help), from settings.toml. Paths are relative to the config file's folder.
SETTINGS: dict[tuple[str, str], tuple[object, str]] = {
    (section, key): (entry["default"], entry["help"])
    for section, table in tomllib.loads(DECLARED.read_text(encoding="utf-8")).items()
    for key, entry in table.items()
}
NON_NEGATIVE = {"overlap_tokens", "keyword_budget"}  # every other number must be above zero


@dataclass(frozen=True)
class Config:
    """Resolved settings; paths are absolute."""

    corpus: Path
    index: Path
    backend: str
    dsn: str
    sha256: str
    precision: str
    batch_size: int
    max_tokens: int
    overlap_tokens: int
    default_k: int
    max_k: int
    max_query_chars: int
    candidates: int
    keyword_weight: float
    question_keyword_weight: float
    keyword_budget: int
    low_confidence: float
    exact_limit: int
    nprobe: int
    host: str
    port: int
    threads: int
    base_url: str
    connection_limit: int
    batch_max_results: int
    batch_max_chars: int
    context_max_tokens: int
    export_max_rows: int
    client_expensive: int
    render_workers: int
    render_waiting: int
    channel_timeout: int
    max_file_mb: int
    max_pages: int
    max_passages: int
    max_seconds: int
    max_memory_mb: int
    max_members: int
    max_archive_mb: int
    max_archive_ratio: int
    max_archive_depth: int
    ocr: bool
    page_max_pixels: int
    page_max_points: int
    page_cache_mb: int
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
        raise ValueError(f"{source}: {tables[0]!r} should be a [table] of settings; see docs/operating.md 'Configuration'")
    values = {}
    for (section, key), (default, _help) in SETTINGS.items():
        value = data.get(section, {}).get(key, default)
        if type(value) is not type(default):
            raise ValueError(f"{source}: [{section}] {key} should be {type(default).__name__}, got {value!r}")
        if type(value) is int and value < (0 if key in NON_NEGATIVE else 1):
            raise ValueError(f"{source}: [{section}] {key} should be above zero, got {value}")
        values[key] = value
    unknown = {(s, k) for s, table in data.items() for k in table} - set(SETTINGS)
    if unknown:
        names = ", ".join(f"[{s}] {k}" for s, k in sorted(unknown))
        raise ValueError(f"{source}: unknown setting {names}; see docs/operating.md 'Configuration'")
    for key in ("keyword_weight", "question_keyword_weight"):
        if not 0 <= values[key] <= 1:
            raise ValueError(f"{source}: [search] {key} should be between 0 and 1, got {values[key]}")
    if values["precision"] not in ("fp32", "int8"):
        raise ValueError(f"{source}: [model] precision should be int8 or fp32, got {values['precision']!r}")
    if values["backend"] not in ("embedded", "postgres"):
        raise ValueError(f"{source}: [index] backend should be embedded or postgres, got {values['backend']!r}")
    if values["backend"] == "postgres" and not values["dsn"].startswith(("postgresql://", "postgres://")):
        raise ValueError(f"{source}: [postgres] dsn should be a postgresql:// address when [index] backend is postgres")
    if values["base_url"] and not values["base_url"].startswith(("http://", "https://")):
        raise ValueError(f"{source}: [server] base_url should start with http:// or https://, got {values['base_url']!r}")
    values["base_url"] = values["base_url"].rstrip("/")
    base = source.parent
    values["corpus"] = (base / values["corpus"]).resolve()
    values["index"] = (base / values["index"]).resolve()
    return Config(source=source, **values)
