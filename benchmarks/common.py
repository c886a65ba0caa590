"""What the benchmarks share: GETs that never raise, a server started as its own process, and bounded load."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tests.servers import free_port

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def get(url: str, timeout: float = 30) -> tuple[int, float, bytes]:
    """(status, seconds, body) of a GET; status 0 for a connection error."""
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, time.perf_counter() - started, response.read()
    except urllib.error.HTTPError as error:
        return error.code, time.perf_counter() - started, error.read()
    except OSError:
        return 0, time.perf_counter() - started, b""


def start_server(config: Path) -> tuple[subprocess.Popen, str]:
    """`python -m search_app` on a free loopback port; (process, base URL) once /healthz answers."""
    port = free_port()
    process = subprocess.Popen(
        [PYTHON, "-m", "search_app", "--config", str(config), "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(240):
        if get(f"{base}/healthz", 2)[0] == 200:
            return process, base
        time.sleep(0.5)
    process.kill()
    raise RuntimeError("the server did not start")


def load(base: str, urls: list[str], clients: int, seconds: float, limit: int | None = None, pause: float = 0) -> dict:
    """Send `urls` (cycled) from `clients` threads for at most `seconds` and `limit` requests, each thread waiting
    `pause` seconds after each answer; statuses, latencies and the rate over the time actually taken."""
    results, started, lock = [], time.monotonic(), threading.Lock()
    stop, cursor = started + seconds, iter(range(10**9))

    def client():
        while time.monotonic() < stop:
            with lock:
                n = next(cursor)
            if limit is not None and n >= limit:
                return
            status, took, _ = get(base + urls[n % len(urls)])
            with lock:
                results.append((status, took))
            time.sleep(pause)

    with ThreadPoolExecutor(clients) as pool:
        for _ in range(clients):
            pool.submit(client)
    elapsed = time.monotonic() - started
    latencies = sorted(t for _, t in results)
    return {
        "requests": len(results),
        "errors": sum(1 for s, _ in results if s == 0 or s >= 500),
        "seconds": elapsed,
        "rps": len(results) / elapsed,
        "statuses": sorted({s for s, _ in results}),
        "p50": 1000 * latencies[len(latencies) // 2] if latencies else 0,
        "p99": 1000 * latencies[int(len(latencies) * 0.99)] if latencies else 0,
    }


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))] if ordered else 0.0


def rss_mb(pid: int) -> tuple[float, float]:
    """(current, peak) resident memory of a process, in MB, from /proc."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024
