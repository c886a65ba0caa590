"""Page images within bounds: a pixel budget, absurd pages refused, a child process under a memory limit, one render
per page however many ask at once, few renders waiting, and a cache kept under its size limit (real pypdfium2)."""

from __future__ import annotations

import io
import subprocess
import sys
import threading
import time
from concurrent.futures import Future
from pathlib import Path

import pytest
from PIL import Image

from search_app.pageimage import Budget, PageTooLarge, RenderBusy, Renderer, page_scale, render_page
from tests.conftest import ROOT
from tests.pdfgen import make_pdf


def renderer(tmp_path, **changes) -> Renderer:
    options = {"budget": Budget(), "workers": 1, "memory_mb": 2048, "waiting": 8, "cache_mb": 500} | changes
    return Renderer(tmp_path / "cache", **options)


def test_a_large_page_is_drawn_within_the_pixel_budget(tmp_path):
    pdf = make_pdf(tmp_path / "poster.pdf", [["A poster of 4,000 points a side"]], size=(4000, 4000))
    image = Image.open(io.BytesIO(render_page(pdf, 1, "", Budget(max_pixels=1_000_000))))
    assert image.width * image.height <= 1_000_000 and image.width >= 990  # smaller, not cut
    letter = make_pdf(tmp_path / "letter.pdf", [["A letter"]])
    assert Image.open(io.BytesIO(render_page(letter, 1, ""))).size == (918, 1188)  # an ordinary page: 1.5 scale


def test_a_page_larger_than_any_paper_is_refused_before_it_is_drawn(tmp_path):
    assert page_scale(612, 792, Budget()) == 1.5
    with pytest.raises(PageTooLarge, match="14400 × 14400 points, larger than \\[limits\\] page_max_points"):
        page_scale(14400, 14400, Budget())
    pdf = make_pdf(tmp_path / "giant.pdf", [["A giant page"]], size=(14400, 14400))
    with pytest.raises(PageTooLarge):
        renderer(tmp_path).page(pdf, "f", 1, "")
    assert not list((tmp_path / "cache").glob("*"))  # nothing left behind, not even a temporary file


def test_a_render_past_its_memory_limit_fails_in_the_child_and_the_next_render_works(tmp_path):
    pdf = make_pdf(tmp_path / "big.pdf", [["Big"]], size=(4900, 4900))  # 7,350 pixels a side: 216 MB as RGBA
    pages = renderer(tmp_path, budget=Budget(max_pixels=100_000_000), memory_mb=300)
    with pytest.raises(RenderBusy, match="max_memory_mb"):
        pages.page(pdf, "f", 1, "")
    small = make_pdf(tmp_path / "small.pdf", [["Small"]])
    assert pages.page(small, "g", 1, "").is_file()


def test_the_same_page_asked_twice_at_once_is_rendered_once_and_others_wait_their_turn(tmp_path):
    pdf = make_pdf(tmp_path / "a.pdf", [["Page one"], ["Page two"]])
    pages = renderer(tmp_path, waiting=1)
    first = threading.Thread(target=pages.page, args=(pdf, "f", 1, ""))
    first.start()
    for _ in range(100):  # the child process starts: the first render is still running for a while
        if pages.running:
            break
        time.sleep(0.01)
    with pytest.raises(RenderBusy, match="try again"):
        pages.page(pdf, "f", 2, "")  # another page: one may wait, and one is
    assert pages.page(pdf, "f", 1, "").is_file()  # the same page: joins the render under way, not refused
    first.join()
    assert len(list((tmp_path / "cache").glob("*.png"))) == 1 and pages.renders == 1


def test_the_cache_keeps_the_most_recently_used_images_within_its_limit(tmp_path):
    pdf = make_pdf(tmp_path / "a.pdf", [[f"Page {n}"] for n in range(1, 5)])
    pages = renderer(tmp_path, cache_mb=0)
    paths = [pages.page(pdf, "f", n, "") for n in range(1, 5)]
    assert [path.is_file() for path in paths] == [False, False, False, True]  # only the last, still being sent


def test_a_cache_that_cannot_be_written_is_a_clear_503_and_leaves_no_partial_file(tmp_path):
    pdf = make_pdf(tmp_path / "a.pdf", [["Page one"]])
    (tmp_path / "full").write_text("a file where the cache folder should be")
    pages = Renderer(tmp_path / "full" / "cache", Budget(), 1, 2048, 8, 500)
    with pytest.raises(RenderBusy, match="could not be saved"):
        pages.page(pdf, "f", 1, "")
    assert not list(tmp_path.glob("**/*.tmp"))


class FinishedAtOnce:
    """A test double of the render pool whose renders are done before submit() returns, as a fast child's can be."""

    def submit(self, *args) -> Future:
        done = Future()
        done.set_exception(PageTooLarge("refused in the child"))
        return done


def test_a_render_done_before_its_callback_is_added_does_not_hold_the_renderer(tmp_path):
    """Then the callback runs at once, in the same thread, under the renderer's lock: no deadlock, nothing held."""
    pages = renderer(tmp_path)
    pages.executor = FinishedAtOnce
    outcome = []
    thread = threading.Thread(
        target=lambda: outcome.append(pytest.raises(PageTooLarge, pages.page, Path("x.pdf"), "g", 1, ""))
    )
    thread.start()
    thread.join(timeout=10)
    assert not thread.is_alive() and outcome and not pages.running


def test_render_children_end_when_the_server_is_killed(tmp_path):
    """A server stopped by a signal leaves no render process behind (they would pile up with each restart)."""
    pdf = make_pdf(tmp_path / "a.pdf", [["Page one"]])
    script = (
        "import os, sys; from pathlib import Path; from search_app.pageimage import Budget, Renderer\n"
        f"pages = Renderer(Path({str(tmp_path / 'cache')!r}), Budget(), 1, 2048, 8, 500)\n"
        f"pages.page(Path({str(pdf)!r}), 'f', 1, '')\n"
        "print(*(p.pid for p in pages.pool._processes.values()), flush=True)\n"
        "os.kill(os.getpid(), 9)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60)
    children = [int(pid) for pid in done.stdout.split()]
    assert children, done.stderr[-500:]
    for _ in range(50):  # bounded: 10 s at most
        if not any(Path(f"/proc/{pid}").exists() for pid in children):
            break
        time.sleep(0.2)
    assert not any(Path(f"/proc/{pid}").exists() for pid in children)
