"""python -m benchmarks.soak: the long resilience checks, with the real model, on a copy of part of the corpus.

Prints one line per check with its figures and exits 1 if any check failed. Every request goes to 127.0.0.1,
every loop is bounded in count and time. About twelve minutes on 2 cores; --quick about three."""

from __future__ import annotations

import argparse
import csv
import io
import json
import random
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import bibtexparser
import rispy

from benchmarks.common import PYTHON, ROOT, get, load, rss_mb, start_server
from benchmarks.latency import one_client
from benchmarks.latency import questions as latency_questions
from evaluation.gold import load_queries
from index.backends.embedded import Folders
from index.backends.embedded.folders import BUILDS, current_build
from tests.hostile import LIMITS, PAYLOAD, make_hostile_corpus
from tests.pdfgen import make_pdf
from tests.test_hardening import TRAVERSALS

ODD = [
    "",
    "²",
    "①",
    "1" * 5000,
    "-1",
    "0",
    "101",
    "3.5",
    "hybrid",
    "keyword",
    "semantic",
    "fuzzy",
    '"',
    "\x00",
    "%",
    "AND OR NOT",
    "*",
    "NEAR(",
    "'",
    "\\",
    "\u202e",
    PAYLOAD,
    "../../etc/passwd",
    "a" * 600,
]
failures: list[str] = []
BIBTEX_FIELDS = {"title", "institution", "year", "url", "pages"}
STEPS = ("hostile", "server", "kills", "abuse")
PAUSE = 0.02  # an abuser's connection waits this long after each answer: the refusals (429) come back so fast that
# without it the load generator runs out of loopback ports (TIME_WAIT), which is not the server's doing


def check(name: str, ok: bool, figures: str) -> None:
    print(f"{'PASS' if ok else 'FAIL'}  {name}: {figures}", flush=True)
    if not ok:
        failures.append(name)


def write_config(folder: Path, corpus: Path, extra: str = "") -> Path:
    path = folder / "config.toml"
    path.write_text(f'[paths]\ncorpus = "{corpus}"\nindex = "{folder / "index"}"\n{extra}', encoding="utf-8")
    return path


def ingest(config: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [PYTHON, "-m", "ingest", "--config", str(config), *args], cwd=ROOT, capture_output=True, text=True, timeout=900
    )


def small_corpus(folder: Path, count: int) -> Path:
    """A copy of `count` seed texts and inspection reports from corpus/ (with their metadata)."""
    corpus = folder / "corpus"
    corpus.mkdir()
    picked = sorted((ROOT / "corpus" / "seed").glob("*.txt")) + sorted((ROOT / "corpus" / "ofsted-ilacs").glob("*.pdf"))
    for path in picked[:count]:
        for source in (path, path.with_suffix(".toml")):
            if source.is_file():
                shutil.copy(source, corpus / source.name)
    return corpus


def generated_requests(count: int, seed: int = 7) -> list[str]:
    """Search URLs (path and query) mixing real questions, corpus words and hostile values, both endpoints."""
    rng = random.Random(seed)
    questions = [q.query for name in ("dev.jsonl", "dev-pdf.jsonl") for q in load_queries(ROOT / "evaluation" / name)]
    words = " ".join(questions).split()
    urls = []
    for _ in range(count):
        q = rng.choice(
            [
                rng.choice(questions),
                " ".join(rng.sample(words, rng.randint(1, 6))),
                rng.choice(ODD),
                "".join(chr(rng.randint(1, 0x2FFF)) for _ in range(rng.randint(1, 30))),
            ]
        )
        params = {"q": q, "k": rng.choice(ODD + ["1", "5", "10", "100"]), "mode": rng.choice(ODD)}
        if rng.random() < 0.3:
            params[rng.choice(["page", "offset", "kind", "x", "format", ""])] = rng.choice(ODD)
        path = rng.choice(["/api/search", "/"])
        urls.append(f"{path}?{urllib.parse.urlencode(params)}")
    return urls


def soak_server(folder: Path, quick: bool) -> None:
    corpus = small_corpus(folder, 12)
    config = write_config(folder, corpus)
    if ingest(config).returncode not in (0, 1):
        raise RuntimeError("the soak corpus could not be ingested")
    process, base = start_server(config)
    try:
        count = 1_000 if quick else 10_000
        figures = load(base, generated_requests(count), clients=8, seconds=900, limit=count)
        check(
            "generated queries and parameters, both endpoints",
            figures["errors"] == 0 and figures["requests"] == count,
            f"{figures['requests']:,} requests, {figures['errors']} server or connection errors, statuses "
            f"{figures['statuses']}",
        )
        leaks = [path for path in TRAVERSALS if b"root:x:0:0" in get(base + path)[2] or b"[paths]" in get(base + path)[2]]
        check("path traversal set over HTTP", not leaks, f"{len(TRAVERSALS)} paths, {len(leaks)} served outside the corpus")
        questions = [f"/api/search?{urllib.parse.urlencode({'q': q.query})}" for name in ("dev.jsonl", "dev-pdf.jsonl")
                     for q in load_queries(ROOT / "evaluation" / name)]  # fmt: skip
        figures = load(base, questions, clients=16, seconds=20 if quick else 60)
        check(
            "16 concurrent clients, hybrid searches of the development questions",
            figures["errors"] == 0,
            f"{figures['requests']:,} requests in {figures['seconds']:.0f} s ({figures['rps']:.0f}/s), "
            f"{figures['errors']} errors, p50 {figures['p50']:.0f} ms, p99 {figures['p99']:.0f} ms",
        )
        idle = [socket.create_connection(("127.0.0.1", int(base.rsplit(":", 1)[1]))) for _ in range(150)]
        try:
            status, took, _ = get(f"{base}/api/search?q=care+leavers&k=5")
        finally:
            for connection in idle:
                connection.close()
        check("150 idle connections", status == 200 and took < 1, f"a search answered {status} in {took * 1000:.0f} ms")
        publish_under_load(base, config, corpus)
    finally:
        process.terminate()
        process.wait(timeout=30)


def publish_under_load(base: str, config: Path, corpus: Path) -> None:
    """8 clients search while an ingest adds a document and publishes; every request must succeed."""
    urls = [f"/api/search?q={urllib.parse.quote(w)}&k=5" for w in ("kinship", "care leavers", "respite")] * 10_000
    box: dict = {}
    runner = threading.Thread(target=lambda: box.update(load(base, urls, clients=8, seconds=45)))
    runner.start()
    time.sleep(3)
    (corpus / "soak-new.txt").write_text("Respite breaks for kinship carers were cut by the council in 2024.")
    published = ingest(config)
    runner.join()
    after = json.loads(get(f"{base}/api/search?q=%22respite+breaks+for+kinship%22&k=1&mode=keyword")[2])
    found = [r["document"]["id"] for r in after["results"]]
    check(
        "publish under load, 8 clients",
        box["errors"] == 0 and published.returncode == 0 and found == ["soak-new"],
        f"{box['requests']:,} requests, {box['errors']} errors; ingest exit {published.returncode}; the new "
        f"document found in the newly published index {after['index']}: {found == ['soak-new']}",
    )


def soak_kills(folder: Path, rounds: int) -> None:
    """kill -9 at random points of an ingest; the published index must serve, and the next ingest and --check pass."""
    corpus = small_corpus(folder, 3)
    config = write_config(folder, corpus)
    ingest(config)
    started = time.monotonic()
    for n in range(8):
        (corpus / f"extra-{n}.txt").write_text(
            " ".join(f"Line {i} of note {n} on placements and advocacy." for i in range(60))
        )
    ingest(config)
    duration = time.monotonic() - started
    rng, served, phases = random.Random(3), 0, {"before writing": 0, "writing": 0}
    for round_ in range(rounds):
        for n in range(8):
            (corpus / f"extra-{n}.txt").write_text(
                f"Round {round_}: " + " ".join(f"Line {i} of note {n} on placements." for i in range(60))
            )
        published = current_build(folder / "index").name
        process = subprocess.Popen(
            [PYTHON, "-m", "ingest", "--config", str(config)], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        time.sleep(rng.uniform(0.2, duration))
        process.send_signal(signal.SIGKILL)
        process.wait()
        newer = [p for p in (folder / "index" / BUILDS).iterdir() if p.name > published]
        phases["writing" if newer else "before writing"] += 1
        build = Folders(folder / "index").current()  # raises if the published index is not whole
        ok = build.store.count("passages") == len(build.vectors) > 0
        served += ok and ingest(config).returncode == 0 and ingest(config, "--check").returncode == 0
    check(
        "kill -9 at random points of an ingest",
        served == rounds,
        f"{rounds} kills ({phases['before writing']} before the write phase, {phases['writing']} during or after it), "
        f"published index served, next ingest and --check passed after {served}",
    )


def soak_hostile(folder: Path) -> None:
    corpus = folder / "corpus"
    expected = make_hostile_corpus(corpus, folder / "outside")
    config = write_config(folder, corpus, LIMITS)
    command = ["/usr/bin/time", "-f", "%M", PYTHON, "-m", "ingest", "--config", str(config)]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    peak_mb = int(done.stderr.strip().splitlines()[-1]) / 1024
    lines = done.stdout.splitlines()
    unclear = [name for name, words in expected.items() if not any(f" {name}" in line and words in line for line in lines)]
    children_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    check(
        "hostile files",
        done.returncode == 1 and not unclear and "Traceback" not in done.stderr,
        f"{len(expected)} files, {len(unclear)} without their one clear line, exit {done.returncode}, "
        f"peak memory {peak_mb:.0f} MB (largest child process so far {children_mb:.0f} MB)",
    )


def soak_abuse(folder: Path, quick: bool) -> None:
    """Each abuse of issue 26 beside a neighbour searching from the same address: the neighbour's one-client p50 and
    p99 against its own before, the abuser's statuses, and the server's memory at its peak."""
    corpus = small_corpus(folder, 12)
    make_pdf(corpus / "giant.pdf", [["A tiny file with a giant page about kinship care."]], size=(14400, 14400))
    make_pdf(corpus / "poster.pdf", [[f"Poster line {n} about foster carers." for n in range(40)]], size=(4900, 4900))
    config = write_config(folder, corpus)
    if ingest(config).returncode not in (0, 1):
        raise RuntimeError("the abuse corpus could not be ingested")
    process, base = start_server(config)
    seconds = 8 if quick else 20
    questions = [f"/api/search?{urllib.parse.urlencode({'q': q})}" for q in latency_questions(160, seed=11)]
    try:
        one_client(base, questions[:40])  # warm: query vectors of these are not measured
        alone = one_client(base, questions[40:100])
        print(f"      neighbour alone: p50 {alone[0]:.1f} ms, p99 {alone[1]:.1f} ms", flush=True)
        documents = json.loads(get(f"{base}/api/documents?kind=inspection")[2])["documents"]
        pages = [f"/documents/{d['id']}/pages/{n}.png?key=x{k}" for k in range(50) for d in documents for n in (1, 2, 3)]
        words = " ".join(q.split("=", 1)[1] for q in questions)
        abuses = {
            "8 connections of uncached page images": (pages, 8),
            "a giant page (14,400 points) asked 8 at a time": (["/documents/giant/pages/1.png"], 8),
            "a large page (4,900 points) drawn within the pixel budget": (["/documents/poster/pages/1.png?key=y"], 4),
            "6 connections of the largest batch allowed": (["BATCH"], 6),
            "4 connections of /api/context at the largest budget": (["/api/context?q=care+leavers&budget=8000"], 4),
            "4 connections of a document page (the control for the next)": ([f"/documents/{documents[0]['id']}"], 4),
            "4 connections of a document page with a 500-character way back": (
                [f"/documents/{documents[0]['id']}?back={urllib.parse.quote('/?q=' + words[:495])}"], 4),
        }  # fmt: skip
        control = 0.0
        for name, (urls, clients) in abuses.items():
            figures, near = abuse_beside(base, urls, clients, seconds, questions[100:])
            ratio = near[0] / max(alone[0], 0.1)
            control = near[0] if "control" in name else control
            # a page anyone may open, asked for as fast as 4 connections can: bounded when the way back adds no more
            # than a fifth to what the plain page costs its neighbour (the rate itself is the proxy's to limit)
            bounded = ratio <= 3 or "way back" in name and near[0] <= 1.2 * control
            check(
                f"neighbour beside {name}",
                bounded and figures["errors"] == 0,
                f"neighbour p50 {near[0]:.1f} ms ({ratio:.1f}× alone), p99 {near[1]:.1f} ms; abuser {figures['requests']:,} "
                f"requests, statuses {figures['statuses']}, {figures['errors']} server or connection errors",
            )
        now_mb, peak_mb = rss_mb(process.pid)
        check("server memory under all of it", peak_mb < 1024, f"{now_mb:.0f} MB at the end, peak {peak_mb:.0f} MB")
    finally:
        process.terminate()
        process.wait(timeout=30)
    exports_outcomes()


def abuse_beside(base: str, urls: list[str], clients: int, seconds: float, questions: list[str]):
    """Run `urls` from `clients` connections for `seconds` while one neighbour searches; (abuser's figures, the
    neighbour's p50 and p99)."""
    box: dict = {}
    if urls == ["BATCH"]:  # 100 queries of 200 characters at k 10: 1,000 results and 20,000 characters, the limits
        body = {"queries": [{"id": str(n), "q": ("care leavers kinship foster " * 8)[:199], "k": 10} for n in range(100)]}
        runner = threading.Thread(target=lambda: box.update(post_load(base, body, clients, seconds)))
    else:
        runner = threading.Thread(target=lambda: box.update(load(base, urls, clients, seconds, pause=PAUSE)))
    runner.start()
    time.sleep(1)
    near = one_client(base, questions[: int(seconds * 10)])
    runner.join()
    return box, near


def post_load(base: str, body: dict, clients: int, seconds: float) -> dict:
    """The batch `body` posted from `clients` threads for at most `seconds`: statuses and counts as load() gives."""
    data, statuses, lock, stop = json.dumps(body).encode(), [], threading.Lock(), time.monotonic() + seconds

    def client():
        while time.monotonic() < stop:
            request = urllib.request.Request(f"{base}/api/search/batch", data=data,
                                             headers={"Content-Type": "application/json"})  # fmt: skip
            try:
                with urllib.request.urlopen(request, timeout=120) as response:
                    response.read()
                    status = response.status
            except urllib.error.HTTPError as error:
                status = error.code
            except OSError:
                status = 0
            with lock:
                statuses.append(status)
            time.sleep(PAUSE)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    errors = sum(1 for status in statuses if status == 0 or status >= 500)
    return {"requests": len(statuses), "statuses": sorted(set(statuses)), "errors": errors}


def exports_outcomes() -> None:
    """Every hostile value of the tests through the three exports: whether any cell is a formula or any record or
    field more than one."""
    from search_app import exports
    from tests.test_exports import HOSTILE, hostile_hits

    for value in HOSTILE:
        hits = hostile_hits(value)
        cells = exports.csv_text([exports.csv_row(hits[0], "http://127.0.0.1/")]).removeprefix("\ufeff")
        row = next(csv.DictReader(io.StringIO(cells)))
        formula = any(row[name].startswith(exports.FORMULA_START) for name in ("quote", "title", "publisher"))
        ris = rispy.loads(exports.ris_text(hits, {1: "http://127.0.0.1/"}))
        library = bibtexparser.parse_string(exports.bibtex_text(hits, {"d1": "http://127.0.0.1/"}))
        fields = set(library.entries[0].fields_dict) if library.entries else set()
        check(
            f"export of {value!r}",
            not formula and len(ris) == 1 and len(library.entries) == 1 and fields == BIBTEX_FIELDS,
            f"CSV cells neutralised: {not formula}; RIS records: {len(ris)}; BibTeX entries: {len(library.entries)}, "
            f"fields {sorted(fields)}",
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.soak", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer requests, kills and seconds (about three minutes)")
    parser.add_argument("--steps", nargs="+", choices=STEPS, default=list(STEPS), help="run only these (default: all)")
    args = parser.parse_args(argv)
    started = time.monotonic()
    steps = {
        "hostile": soak_hostile,
        "server": lambda f: soak_server(f, args.quick),
        "kills": lambda f: soak_kills(f, 5 if args.quick else 20),
        "abuse": lambda f: soak_abuse(f, args.quick),
    }
    with tempfile.TemporaryDirectory() as tmp:
        for name, step in ((name, steps[name]) for name in args.steps):
            folder = Path(tmp) / name
            folder.mkdir()
            step(folder)
    print(
        f"{len(failures)} checks failed in {time.monotonic() - started:.0f} s"
        if failures
        else f"All checks passed in {time.monotonic() - started:.0f} s"
    )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
