"""Content identities of files and folders: what a key hashes instead of a path, so that an
edited file re-keys what read it and a copied one does not."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Dict, Tuple

_DIGESTS: Dict[Tuple[str, int, int], str] = {}


def content_digest(path: Path) -> str:
    """SHA-256 (16 hex digits) of a file's bytes, or of a folder's files; "missing" when absent.
    Remembered per process by path, size and modification time."""
    try:
        stat = path.stat()
    except OSError:
        return "missing"
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    if key not in _DIGESTS:
        digest = hashlib.sha256()
        files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
        for file in files:
            digest.update(str(file.relative_to(path) if file != path else "").encode())
            with file.open("rb") as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(block)
        _DIGESTS[key] = digest.hexdigest()[:16]
    return _DIGESTS[key]
