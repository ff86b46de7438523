"""Read the records of an offline W&B run file (``run-ID.wandb``) for tests.

The file is a LevelDB-style log (7-byte header, 32 KiB blocks of [crc32, length, type] chunks)
of ``wandb_internal_pb2.Record`` protobufs; wandb >= 0.20 no longer ships a Python reader.
"""

from __future__ import annotations

import json
import struct
from pathlib import Path
from typing import Any, Dict, List

BLOCK = 32 * 1024
FILE_HEADER = 7
FULL, FIRST, MIDDLE, LAST = 1, 2, 3, 4


def finished_run_files(folder: Path, pattern: str) -> List[Path]:
    """The offline run files under ``folder`` matching ``pattern``, once W&B has written them.

    ``run.finish()`` returns before W&B's service process has flushed the run file (about one read
    in six found a file without its run record); ``wandb.teardown()`` waits for the service to
    close every stream, as the end of a job's process does."""
    import wandb

    wandb.teardown()
    return sorted(Path(folder).glob(pattern))


def records(path: Path) -> List[Any]:
    from wandb.proto import wandb_internal_pb2 as pb

    data = Path(path).read_bytes()
    out, pending, pos = [], b"", FILE_HEADER
    while pos + 7 <= len(data):
        if BLOCK - pos % BLOCK < 7:  # block trailer too small for a chunk header
            pos += BLOCK - pos % BLOCK
            continue
        _crc, length, kind = struct.unpack("<IHB", data[pos : pos + 7])
        chunk, pos = data[pos + 7 : pos + 7 + length], pos + 7 + length
        if kind == FULL:
            out.append(chunk)
        elif kind == FIRST:
            pending = chunk
        elif kind == MIDDLE:
            pending += chunk
        elif kind == LAST:
            out.append(pending + chunk)
        elif length == 0:
            break
    parsed = []
    for raw in out:
        record = pb.Record()
        record.ParseFromString(raw)
        parsed.append(record)
    return parsed


def summary(path: Path) -> Dict[str, Any]:
    """The run's final summary: every summary update, later ones winning."""
    values: Dict[str, Any] = {}
    for record in records(path):
        if record.WhichOneof("record_type") == "summary":
            for item in record.summary.update:
                key = item.key or "/".join(item.nested_key)
                values[key] = json.loads(item.value_json)
    return values


def run_record(path: Path) -> Any:
    for record in records(path):
        if record.WhichOneof("record_type") == "run":
            return record.run
    raise ValueError(f"no run record in {path}")
