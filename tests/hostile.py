"""A corpus of bad and hostile files, each with the words its one report line must hold (used by the tests and
by the soak). Limits for it: LIMITS, so that the slow and large files hit them in seconds."""

from __future__ import annotations

import os
import zlib
from pathlib import Path

from pypdf import PdfWriter

from tests.pdfgen import make_pdf, write_objects

LIMITS = "[limits]\nmax_file_mb = 1\nmax_pages = 50\nmax_passages = 200\nmax_seconds = 4\nmax_memory_mb = 1024\n"
PAYLOAD = "<script>alert(1)</script><img src=x onerror=alert(2)>"


def nested_pdf(path: Path, depth: int = 200_000) -> None:
    """A page whose dictionary holds an array nested `depth` deep."""
    deep = "[" * depth + "]" * depth
    write_objects(
        path,
        [
            "<< /Type /Catalog /Pages 2 0 R >>",
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /X {deep} >>",
            "<< /Length 0 >>\nstream\n\nendstream",
        ],
    )


def shared_stream_pdf(path: Path, pages: int = 20, operations: int = 300_000) -> None:
    """A 10 KB PDF whose pages all draw one compressed stream of many text operations: slow to extract."""
    stream = zlib.compress(b"BT /F1 1 Tf 0 0 Td (x) Tj ET\n" * operations, 9)
    objects: list[str | bytes] = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    kids = []
    for _ in range(pages):
        objects.append(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 3 0 R >> >> >>"
        )
        kids.append(f"{len(objects)} 0 R")
    objects[1] = f"<< /Type /Pages /Kids [{' '.join(kids)}] /Count {pages} >>"
    write_objects(path, objects)


def looping_pdf(path: Path) -> None:
    """A page tree whose Pages node lists itself as a kid."""
    write_objects(path, ["<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [2 0 R] /Count 1 >>"])


def make_hostile_corpus(corpus: Path, outside: Path) -> dict[str, str]:
    """Write the files; return {relative path: words its report line must contain}. Good files say ADDED."""
    corpus.mkdir(parents=True, exist_ok=True)
    outside.mkdir(parents=True, exist_ok=True)
    good = make_pdf(corpus / "good.pdf", [["Inspection findings", "Care leavers have personal advisers."]])
    expected: dict[str, str] = {}

    def write(name: str, data: bytes | str, words: str) -> None:
        path = corpus / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data.encode() if isinstance(data, str) else data)
        expected[name] = words

    write("empty.txt", b"", "empty file")
    write("empty.pdf", b"", "empty file")
    write("blank.txt", b" \n\t\n", "empty file")
    write("truncated.pdf", good.read_bytes()[:200], "corrupt or truncated PDF")
    locked = PdfWriter(clone_from=good)
    locked.encrypt(user_password="secret", algorithm="RC4-128")
    locked.write(corpus / "encrypted.pdf")
    expected["encrypted.pdf"] = "encrypted PDF"
    make_pdf(corpus / "scanned.pdf", [[], []])
    expected["scanned.pdf"] = "no text layer"
    write("junk.pdf", os.urandom(3000).replace(b"%", b"x"), "not a PDF")
    write("binary.txt", b"\x00\x01\x02" * 500, "binary data")
    nested_pdf(corpus / "nested.pdf")
    expected["nested.pdf"] = "nested too deeply"
    shared_stream_pdf(corpus / "slow.pdf")
    expected["slow.pdf"] = "took longer than 4 s ([limits] max_seconds)"
    looping_pdf(corpus / "loop.pdf")
    expected["loop.pdf"] = "FAILED"
    make_pdf(corpus / "long.pdf", [[f"Page {n} of a long report about care.", "More text."] for n in range(60)])
    expected["long.pdf"] = "60 pages, over the limit of 50 ([limits] max_pages)"
    write(
        "huge.html",
        "<html><body>" + "<p>Children in care need stable homes.</p>" * 60_000 + "</body></html>",
        "over the limit of 1 MB ([limits] max_file_mb)",
    )
    write(
        "many.txt",
        "\n\n".join(f"Paragraph {n}: the council reviewed {n} placements this year." * 3 for n in range(2_000)),
        "over the limit of 200 ([limits] max_passages)",
    )
    write(
        "scripts-only.html",
        "<html><head><script>alert(1)</script></head><body><script>x()</script></body></html>",
        "no readable text",
    )
    write(
        "payload.html",
        f"<html><head><title>{PAYLOAD}</title></head><body><p>Report {PAYLOAD} on care.</p></body></html>",
        "ADDED",
    )
    write("payload-notes.txt", f"Care review notes {PAYLOAD} for councils.", "ADDED")
    write("payload.toml", f'title = "{PAYLOAD}"\npublisher = "{PAYLOAD}"\nsource = "https://example.org/{PAYLOAD}"\n', "")
    expected.pop("payload.toml")
    write("bad-types.txt", "Placement stability for children.", "date should be text in double quotes, got int 5")
    write("bad-types.toml", "date = 5\ntitle = ['a', 'b']\n", "")
    expected.pop("bad-types.toml")
    write("bad-toml.txt", "Fostering allowances vary.", "invalid TOML")
    write("bad-toml.toml", 'title = "unclosed\n', "")
    expected.pop("bad-toml.toml")
    write("script-source.txt", "Advocacy for children.", "should be a web address")
    write("script-source.toml", 'source = "javascript:alert(document.cookie)"\n', "")
    expected.pop("script-source.toml")
    write("<img src=x onerror=alert(3)>.txt", "A note on kinship care.", "ADDED")
    write("copy-of-good.pdf", good.read_bytes(), "ADDED")  # the first in name order is kept, the other reported
    expected["good.pdf"] = "DUPLICATE good.pdf: same content as copy-of-good.pdf"
    write("other/notes.txt", "A different text about social workers.", "ADDED")
    write("sub/notes.txt", "Another good text about care leavers.", "has the same name as other/notes.txt")
    (outside / "secret.txt").write_text("root:x:0:0:secret")
    (corpus / "passwd.txt").symlink_to("/etc/passwd")
    expected["passwd.txt"] = "a link to /etc/passwd, outside the corpus folder; not followed"
    (corpus / "secret.txt").symlink_to(outside / "secret.txt")
    expected["secret.txt"] = "outside the corpus folder; not followed"
    (corpus / "linked").symlink_to(outside)
    expected["linked"] = "outside the corpus folder; not followed"
    write("sheet.xlsx", b"PK\x03\x04", "damaged or truncated")
    write("slides.pptx", b"PK\x03\x04", "IGNORED")
    return expected
