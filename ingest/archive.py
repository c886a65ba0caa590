"""ZIP archives: each member read by its own format's loader into a document named by the archive's path
(ingest/members.py). A zip bomb is refused before anything is unpacked, by the [limits]: more members than
max_members, more unpacked bytes in all than max_archive_mb, or a member that unpacks to more than
max_archive_ratio times its packed size; a member larger than its header says is refused as it is read."""

from __future__ import annotations

import zipfile
from pathlib import Path

from ingest.errors import LoadError
from ingest.members import MB, Bundle, Limits, Reader, take_members

BOMB = "raise the limit in config.toml only if the archive is genuine, or unpack it and add its files"


def load_zip(path: Path, limits: Limits, read: Reader, depth: int = 0) -> Bundle:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as error:
        raise LoadError(path, f"damaged or truncated archive ({error})", "replace it with a complete copy") from None
    with archive:
        infos = [info for info in archive.infolist() if not info.is_dir()]
        if len(infos) > limits.members:
            raise LoadError(path, f"{len(infos):,} members, over the limit of {limits.members:,} ([limits] max_members)",
                            BOMB)  # fmt: skip
        total = sum(info.file_size for info in infos)
        if total > limits.archive_mb * MB:
            raise LoadError(path, f"unpacks to {total / MB:,.0f} MB, over the limit of {limits.archive_mb:,} MB "
                            "([limits] max_archive_mb): a zip bomb?", BOMB)  # fmt: skip
        for info in infos:
            if info.file_size > limits.ratio * max(info.compress_size, 1):
                raise LoadError(path, f"{info.filename!r} unpacks to {info.file_size / max(info.compress_size, 1):,.0f} "
                                f"times its packed size, over [limits] max_archive_ratio ({limits.ratio}): a zip bomb?",
                                BOMB)  # fmt: skip
        members = [(info.filename, lambda info=info: unpack(archive, info, path)) for info in infos]
        return take_members(path, None, members, limits, read, depth)


def unpack(archive: zipfile.ZipFile, info: zipfile.ZipInfo, path: Path) -> bytes:
    """A member's bytes, never more than its header declares."""
    if info.flag_bits & 0x1:
        raise LoadError(info.filename, "password-protected inside the archive", "add an unprotected copy of it")
    try:
        with archive.open(info) as member:
            data = member.read(info.file_size + 1)
    except (zipfile.BadZipFile, EOFError, OSError) as error:  # a member whose bytes do not match its header
        raise LoadError(
            info.filename, f"damaged inside the archive ({error})", "replace the archive with a complete copy"
        ) from None
    if len(data) > info.file_size:
        raise LoadError(path, f"{info.filename!r} is larger than its header says: a zip bomb?", BOMB)
    return data
