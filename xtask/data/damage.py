"""A data file that cannot be read as text: a truncated or corrupt archive, or text that is not
UTF-8. :func:`unreadable` turns the library's exception (``EOFError: Compressed file ended
before the end-of-stream marker``, a bare ``UnicodeDecodeError``, both naming no file) into one
:class:`MalformedDataError` line that names the file, what is wrong with it and what to do.
"""

from __future__ import annotations

import bz2
import gzip
import zipfile
import zlib
from pathlib import Path
from typing import IO, Optional, Tuple

from xtask.data.readers import MalformedDataError


def unreadable(path: Path, err: BaseException) -> MalformedDataError:
    """The error to raise for ``path``, which failed with ``err`` while being read as text."""
    if isinstance(err, UnicodeDecodeError):
        return MalformedDataError(_not_utf8(path, err))
    if isinstance(err, EOFError):
        return MalformedDataError(f"{path}: the compressed file is truncated (it ends before its end-of-stream "
                                  "marker): copy or download it again")
    if isinstance(err, zipfile.BadZipFile):
        return MalformedDataError(f"{str(path).split('!', 1)[0]}: not a valid zip archive ({err}): copy or download it again")
    kind = "gzip" if str(path).endswith(".gz") else "bzip2" if str(path).endswith(".bz2") else "compressed"
    return MalformedDataError(f"{path}: not a valid {kind} file, or a corrupt one ({err}): copy or download it again"
                              + (", or drop the .gz/.bz2 suffix if it is plain text" if kind != "compressed" else ""))


def _not_utf8(path: Path, err: UnicodeDecodeError) -> str:
    line, byte = _first_undecodable_line(path)
    where = f"{path}:{line}" if line else str(path)
    shown = f"byte 0x{byte:02X}" if byte is not None else f"byte 0x{err.object[err.start]:02X}"
    guess = _guess_encoding(path)
    fix = (f"it looks like {guess}: convert it to UTF-8 (e.g. `iconv -f {guess} -t UTF-8`)" if guess
           else "convert it to UTF-8 (e.g. `iconv -f LATIN1 -t UTF-8` for Latin-1)")
    return f"{where}: not UTF-8 text ({shown} cannot be decoded); xtask reads UTF-8 only: {fix} and map the converted file"


def _raw(path: Path) -> IO[bytes]:
    """The file's bytes, decompressed (a zip member, .gz, .bz2)."""
    text = str(path)
    if ".zip!" in text:
        archive, member = text.split("!", 1)
        zf = zipfile.ZipFile(archive)
        return zf.open(member)
    if text.endswith(".gz"):
        return gzip.open(path, "rb")
    if text.endswith(".bz2"):
        return bz2.open(path, "rb")
    return open(path, "rb")


def _first_undecodable_line(path: Path) -> Tuple[Optional[int], Optional[int]]:
    """(line number, first bad byte) of the first line that is not UTF-8; (None, None) if the
    file cannot be scanned (it was readable a moment ago: never raise from an error path)."""
    try:
        with _raw(path) as handle:
            for number, raw in enumerate(handle, start=1):
                try:
                    raw.decode("utf-8")
                except UnicodeDecodeError as bad:
                    return number, raw[bad.start]
    except (OSError, EOFError, zlib.error, zipfile.BadZipFile):
        pass
    return None, None


def _guess_encoding(path: Path, sample: int = 1 << 16) -> Optional[str]:
    """The encoding charset-normalizer finds most likely for the file's first bytes, if any."""
    try:
        from charset_normalizer import from_bytes

        with _raw(path) as handle:
            best = from_bytes(handle.read(sample)).best()
    except Exception:  # a guess only: a missing library or a damaged file gives no guess
        return None
    if best is None or best.encoding in ("utf_8", "ascii"):
        return None
    return iconv_name(best.encoding)


def iconv_name(python_name: str) -> str:
    """iconv's name of a Python codec name (``latin_1`` -> ``ISO-8859-1``, ``cp1252`` -> ``CP1252``)."""
    import re

    name = python_name.lower()
    if name in ("latin_1", "iso8859_1"):
        return "ISO-8859-1"
    match = re.fullmatch(r"iso8859_(\d+)", name)
    if match:
        return f"ISO-8859-{match.group(1)}"
    return name.replace("_", "-").upper()
