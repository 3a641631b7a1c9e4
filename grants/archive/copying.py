"""Copying an extract's documents, checked against their journaled SHA-256 and size. Nothing here
imports Django: ``grants.archive.extract`` hands batches of files on the disk to a worker process of
its own (``copy_batch``), which copies while the extract writes its XML (copying waits on the disk,
writing XML on the processor, and a process does not share the interpreter's lock with it)."""

from __future__ import annotations

import hashlib
from pathlib import Path

BLOCK = 1024 * 1024


class ExtractError(Exception):
    pass


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(BLOCK):
            digest.update(block)
    return digest.hexdigest()


def copy_document(source, sha256: str, size: int, target: Path) -> None:
    """Copy a stored file (``source``, opened for reading) in blocks, hashing while copying, and check
    it against the SHA-256 and size journaled with it. A file already in place and right is kept; one
    that is not (a run stopped halfway) is written again: so no temporary name is needed, and the disk
    is spared a rename per document."""
    try:
        there = target.stat().st_size == size and file_sha256(target) == sha256
    except FileNotFoundError:
        there = False
    if there:
        source.close()
        return
    digest, copied = hashlib.sha256(), 0
    with source, open(target, "wb") as out:
        while block := source.read(BLOCK):
            digest.update(block)
            out.write(block)
            copied += len(block)
    if digest.hexdigest() != sha256 or copied != size:
        target.unlink()
        raise ExtractError(
            f"{getattr(source, 'name', target.name)}: SHA-256 {digest.hexdigest()} ({copied} bytes) is not the "
            f"journaled {sha256} ({size} bytes)"
        )


def copy_batch(batch: list[tuple[str, str, int, str]]) -> int:
    """Copy ``(source path, SHA-256, size, target path)`` files; returns this process's peak RSS in KB."""
    for source, sha256, size, target in batch:
        copy_document(open(source, "rb"), sha256, size, Path(target))  # noqa: SIM115 (copy_document closes it)
    return peak_rss_kb()


def peak_rss_kb() -> int:
    """This process's peak resident set since it started (``VmHWM``; 0 where /proc has none). Unlike
    ``ru_maxrss`` it is not inherited from the process that started this one."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0
