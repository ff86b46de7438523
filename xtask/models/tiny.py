"""The pretrained starting point of every cell: a Hub model, or the tiny XLM-R built offline.

The tiny model follows XLM-R's conventions exactly (special token ids, ``<s> A </s></s> B </s>``
pairs, position ids offset by the pad id), so every code path that works on it also works on
``FacebookAI/xlm-roberta-large``. It is built once per architecture + corpus and cached under
``paths.cache/models``; concurrent jobs wait on a file lock instead of building it twice.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
from dataclasses import asdict
from pathlib import Path
from typing import Any, Iterable, List

from filelock import FileLock

from xtask.config import TinyArchitecture
from xtask.data.sources import BUNDLED_MINI_ROOT

log = logging.getLogger(__name__)

# Bump when the way the tiny model is built changes, so old cache entries are not reused.
TINY_BUILDER_VERSION = 2  # 2: canonical Unigram vocabulary (reproducible builds)
SPECIAL_TOKENS = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]  # XLM-R's ids 0..4
COMPLETE_MARKER = "COMPLETE"
TINY_CORPUS_DIR = BUNDLED_MINI_ROOT / "corpus"


def _corpus_files() -> List[Path]:
    files = sorted(TINY_CORPUS_DIR.glob("*.txt"))
    if not files:
        raise FileNotFoundError(
            f"no tokenizer corpus in {TINY_CORPUS_DIR}; regenerate it with `python -m xtask.mini.generate`"
        )
    return files


def tiny_model_key(arch: TinyArchitecture) -> str:
    """Content hash of everything the tiny model depends on."""
    digest = hashlib.sha256()
    digest.update(json.dumps({"arch": asdict(arch), "v": TINY_BUILDER_VERSION}, sort_keys=True).encode())
    for path in _corpus_files():
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def _train_tokenizer(files: Iterable[Path], vocab_size: int, max_length: int) -> Any:
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
    from transformers import XLMRobertaTokenizer

    tok = Tokenizer(models.Unigram())
    tok.normalizer = normalizers.NFKC()
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always")
    trainer = trainers.UnigramTrainer(
        vocab_size=vocab_size, special_tokens=SPECIAL_TOKENS, unk_token="<unk>", show_progress=False
    )
    tok.train([str(f) for f in files], trainer)
    tok = _canonical_vocab(tok)
    bos, eos = tok.token_to_id("<s>"), tok.token_to_id("</s>")
    tok.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>",
        pair="<s> $A </s> </s> $B </s>",
        special_tokens=[("<s>", bos), ("</s>", eos)],
    )
    return XLMRobertaTokenizer(tokenizer_object=tok, model_max_length=max_length)


def _canonical_vocab(tok: Any, digits: int = 8) -> Any:
    """The same tokenizer, its Unigram vocabulary made canonical: scores rounded and pieces in
    (score, piece) order after the special tokens. The trainer's parallel EM sums floats in a
    varying order, so two builds differ in the last bits of some scores and in the order of tied
    pieces (their ids), enough to make the same seed give other numbers on another machine."""
    from tokenizers import Tokenizer

    data = json.loads(tok.to_str())
    vocab = [[piece, round(score, digits)] for piece, score in data["model"]["vocab"]]
    special, rest = vocab[: len(SPECIAL_TOKENS)], vocab[len(SPECIAL_TOKENS):]
    if [piece for piece, _ in special] != list(SPECIAL_TOKENS):
        raise RuntimeError(f"tiny tokenizer: special tokens {special} are not first")
    rest.sort(key=lambda item: (-item[1], item[0]))
    # The trainer appends the pieces it must keep (rare characters) with made-up scores falling by
    # 1e-4, in hash order: hand that tail its scores in piece order instead.
    tail = len(rest) - 1
    while tail > 0 and rest[tail - 1][1] - rest[tail][1] <= 1.5e-4:
        tail -= 1
    scores = [score for _, score in rest[tail:]]
    rest[tail:] = [[piece, score] for piece, score in zip(sorted(piece for piece, _ in rest[tail:]), scores)]
    data["model"]["vocab"] = special + rest
    return Tokenizer.from_str(json.dumps(data))


def _build_tiny(arch: TinyArchitecture, dest: Path) -> None:
    import torch
    from transformers import XLMRobertaConfig, XLMRobertaForMaskedLM

    tokenizer = _train_tokenizer(_corpus_files(), arch.vocab_size, arch.max_length)
    ids = [tokenizer.convert_tokens_to_ids(t) for t in SPECIAL_TOKENS]
    if ids != list(range(len(SPECIAL_TOKENS))):
        raise RuntimeError(f"tiny tokenizer special token ids {ids} are not XLM-R's 0..4")
    config = XLMRobertaConfig(
        vocab_size=len(tokenizer),
        hidden_size=arch.hidden_size,
        num_hidden_layers=arch.num_hidden_layers,
        num_attention_heads=arch.num_attention_heads,
        intermediate_size=arch.intermediate_size,
        # XLM-R numbers positions from pad_token_id + 1.
        max_position_embeddings=arch.max_length + 2,
        pad_token_id=1,
        bos_token_id=0,
        eos_token_id=2,
        type_vocab_size=1,
    )
    torch.manual_seed(arch.init_seed)
    model = XLMRobertaForMaskedLM(config)
    model.save_pretrained(dest)
    tokenizer.save_pretrained(dest)


def ensure_tiny_model(arch: TinyArchitecture, cache_root: Path) -> Path:
    """Return the folder of the tiny model, building it once (atomically, under a lock)."""
    models_dir = Path(cache_root) / "models"
    models_dir.mkdir(parents=True, exist_ok=True)
    dest = models_dir / f"tiny-{tiny_model_key(arch)}"
    if (dest / COMPLETE_MARKER).exists():
        return dest
    with FileLock(str(dest) + ".lock"):
        if (dest / COMPLETE_MARKER).exists():  # built by another job while we waited
            return dest
        log.info("building the tiny model in %s", dest)
        staging = dest.with_name(dest.name + ".partial")
        shutil.rmtree(staging, ignore_errors=True)
        shutil.rmtree(dest, ignore_errors=True)  # an incomplete earlier build
        _build_tiny(arch, staging)
        (staging / COMPLETE_MARKER).write_text("ok\n")
        staging.rename(dest)
    return dest


def pretrained_path(model_cfg: Any, cache_root: Path) -> str:
    """Hub id / local folder of the pretrained model a cell starts from."""
    if model_cfg.pretrained:
        return str(model_cfg.pretrained)
    return str(ensure_tiny_model(TinyArchitecture(**model_cfg.tiny), cache_root))
