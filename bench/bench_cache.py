"""What verifying a cached intermediate encoder costs: SHA-256 of an XLM-R Large-sized weights file.

    python bench/bench_cache.py [--quick] [--gb 2.24]

XLM-R Large has 560M parameters: 2.24 GB in float32 (1.12 GB in bf16). The cache verifies an
entry's checksums once per job and entry (xtask/store/encoders.py); this prints how long that
takes here, cold (first read from disk) and warm (in the page cache), as seconds and GB/s.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from xtask.store.encoders import file_sha256  # noqa: E402


def _drop_cache(path: Path) -> bool:
    """Ask the kernel to forget the file's pages (posix_fadvise), for a cold read."""
    try:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)
        return True
    except (AttributeError, OSError):
        return False


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--gb", type=float, default=2.24, help="file size in GB (default: XLM-R Large, fp32)")
    parser.add_argument("--quick", action="store_true", help="a 0.25 GB file")
    args = parser.parse_args(argv)
    size = int((0.25 if args.quick else args.gb) * 1e9)
    with tempfile.TemporaryDirectory(dir=os.environ.get("TMPDIR")) as tmp:
        path = Path(tmp) / "model.safetensors"
        block = os.urandom(1 << 24)
        with open(path, "wb") as handle:
            written = 0
            while written < size:
                handle.write(block[: min(len(block), size - written)])
                written += min(len(block), size - written)
            handle.flush()
            os.fsync(handle.fileno())
        print(f"SHA-256 of a {size / 1e9:.2f} GB file (one core):")
        for label in ("cold", "warm"):
            if label == "cold" and not _drop_cache(path):
                print("  cold: cannot drop the page cache here; skipped")
                continue
            started = time.perf_counter()
            file_sha256(path)
            seconds = time.perf_counter() - started
            print(f"  {label}: {seconds:.2f} s, {size / 1e9 / seconds:.2f} GB/s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
