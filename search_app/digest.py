"""python -m search_app.digest: email what is new in watched searches since the last run.

Each --feed is a watched search's feed URL (/feed?… or /feed.json?…, as the results page's "Watch this search"
link gives it); its JSON Feed is read, the entries not seen on an earlier run are sent in one plain-text email
through the SMTP server given, and the entries seen are remembered in a state file (by default
digest-state.json in the index folder), written only after the email was accepted. Nothing new: no email. Run it
from cron as often as you like."""

from __future__ import annotations

import argparse
import json
import os
import smtplib
import sys
import urllib.error
import urllib.request
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from index.config import ENV_VAR, load_config

TIMEOUT = 30  # seconds to wait for a feed or the SMTP server


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m search_app.digest", description=__doc__.split("\n\n")[0])
    parser.add_argument("--smtp", required=True, metavar="HOST:PORT", help="the SMTP server to send through")
    parser.add_argument("--to", required=True, metavar="ADDRESS", help="who gets the digest")
    parser.add_argument("--from", dest="sender", default="search-digest@localhost", metavar="ADDRESS",
                        help="the sender (default: search-digest@localhost)")  # fmt: skip
    parser.add_argument("--feed", required=True, nargs="+", metavar="URL", help="watched searches' feed URLs")
    parser.add_argument("--state", type=Path, help="where seen entries are kept (default: the index folder's "
                        "digest-state.json)")  # fmt: skip
    parser.add_argument("--config", metavar="FILE", help=f"settings file, for the index folder (default: ${ENV_VAR} "
                        "or config.toml)")  # fmt: skip
    return parser.parse_args(argv)


def json_feed_url(url: str) -> str:
    """The JSON Feed of a watched search, whichever of its feeds was given."""
    parts = urlsplit(url)
    if parts.path.endswith("/feed"):
        parts = parts._replace(path=parts.path + ".json")
    elif not parts.path.endswith("/feed.json"):
        raise ValueError(f"--feed {url[:80]}: not a watched search's feed; copy the 'Watch this search' link")
    return urlunsplit(parts)


def read_feed(url: str) -> dict:
    try:
        with urllib.request.urlopen(json_feed_url(url), timeout=TIMEOUT) as response:
            return json.load(response)
    except (urllib.error.URLError, OSError, json.JSONDecodeError) as error:
        raise ValueError(
            f"--feed {url[:80]}: could not be read ({error}); check the address and that the service runs"
        ) from None


def message(news: list[tuple[dict, list[dict]]], sender: str, to: str) -> EmailMessage:
    """One plain-text email: each feed's title, then its new entries with their quote, citation and link."""
    count = sum(len(items) for _, items in news)
    mail = EmailMessage()
    mail["Subject"] = (
        f"{count} new passage{'s' if count != 1 else ''} in {len(news)} watched search{'es' if len(news) != 1 else ''}"
    )
    mail["From"], mail["To"] = sender, to
    blocks = []
    for feed, items in news:
        lines = [feed.get("title", ""), feed.get("home_page_url", ""), ""]
        for item in items:
            lines += [item.get("content_text", ""), item.get("url", ""), ""]
        blocks.append("\n".join(lines))
    mail.set_content("\n\n".join(blocks))
    return mail


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        state_path = args.state or load_config(args.config).index / "digest-state.json"
        seen = json.loads(state_path.read_text(encoding="utf-8")) if state_path.exists() else {}
        host, _, port = args.smtp.rpartition(":")
        if not host or not port.isdigit():
            raise ValueError(f"--smtp {args.smtp[:60]!r}: give HOST:PORT, e.g. 127.0.0.1:25")
        news, now_seen = [], dict(seen)
        for url in args.feed:
            feed = read_feed(url)
            items = [item for item in feed.get("items", []) if item.get("id") not in set(seen.get(url, []))]
            if items:
                news.append((feed, items))
            now_seen[url] = sorted(set(seen.get(url, [])) | {item.get("id") for item in feed.get("items", [])})
        if news:
            with smtplib.SMTP(host, int(port), timeout=TIMEOUT) as smtp:
                smtp.send_message(message(news, args.sender, args.to))
        temporary = state_path.with_suffix(".tmp")
        temporary.write_text(json.dumps(now_seen, indent=1), encoding="utf-8")
        os.replace(temporary, state_path)
    except (ValueError, FileNotFoundError, OSError, smtplib.SMTPException) as error:
        print(f"digest: {error}", file=sys.stderr)
        return 2
    count = sum(len(items) for _, items in news)
    print(f"digest: {count} new passage{'s' if count != 1 else ''} sent to {args.to}" if news else "digest: nothing new")
    return 0


if __name__ == "__main__":
    sys.exit(main())
