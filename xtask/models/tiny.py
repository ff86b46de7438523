"""The pretrained starting point of every cell: a Hub model, or a tiny encoder built offline.

The tiny model is randomly initialised in one of the encoder families of
:mod:`xtask.models.families` (``model.tiny.family``) and follows that family's conventions, so
every code path that works on it also works on the real models:

* ``xlmr`` (default): XLM-R's special token ids (``<s>`` 0, ``<pad>`` 1, ``</s>`` 2, ``<unk>`` 3,
  ``<mask>`` 4), ``<s> A </s></s> B </s>`` pairs, position ids offset by the pad id, a Unigram
  tokenizer; saved as ``XLMRobertaForMaskedLM`` (like ``FacebookAI/xlm-roberta-large``).
* ``bert``: mBERT's conventions: a cased WordPiece tokenizer (``##`` continuation pieces), ``[PAD]``
  = 0, ``[CLS] A [SEP] B [SEP]`` pairs with token types 0/1, positions from 0; saved as
  ``BertForPreTraining`` (MLM head and pooler, like ``google-bert/bert-base-multilingual-cased``).
* ``deberta_v2``: mDeBERTa-v3's conventions: a Unigram tokenizer with DeBERTa-v2's normaliser,
  ``[PAD]`` 0, ``[CLS]`` 1, ``[SEP]`` 2, ``[UNK]`` 3, ``[CLS] A [SEP] B [SEP]`` pairs, relative
  attention only; saved as ``DebertaV2ForMaskedLM``.

Every family saves a masked-LM head, so ``inter.mlm.share`` has a pretrained head to continue
from. A build is cached under ``paths.cache/models`` per architecture + corpus; concurrent jobs
wait on a file lock instead of building it twice.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import shutil
from dataclasses import asdict
from pathlib import Path
from typing import Any, Iterable, List

from filelock import FileLock

from xtask.config import EncoderFamily, TinyArchitecture
from xtask.data.sources import BUNDLED_MINI_ROOT
from xtask.models.families import Family, family_named

log = logging.getLogger(__name__)

# Bump a family's tiny_builder_version (xtask/models/families.py) when its build changes.
TINY_BUILDER_VERSION = family_named(EncoderFamily.xlmr).tiny_builder_version
SPECIAL_TOKENS = list(family_named(EncoderFamily.xlmr).tiny_tokens.ordered)  # XLM-R's ids 0..4
COMPLETE_MARKER = "COMPLETE"
TINY_CORPUS_DIR = BUNDLED_MINI_ROOT / "corpus"


def _corpus_files() -> List[Path]:
    files = sorted(TINY_CORPUS_DIR.glob("*.txt"))
    if not files:
        raise FileNotFoundError(
            f"no tokenizer corpus in {TINY_CORPUS_DIR}; regenerate it with `python tests/mini/generate.py`"
        )
    return files


def _family(arch: TinyArchitecture) -> Family:
    return family_named(arch.family)


def tiny_model_key(arch: TinyArchitecture) -> str:
    """Content hash of everything the tiny model depends on. The XLM-R key hashes what it did
    before families existed (no family field), so its cache entries stay valid."""
    family = _family(arch)
    fields = asdict(arch)
    if family.name == EncoderFamily.xlmr:
        del fields["family"]
    else:
        fields["family"] = family.name.value
    return _content_key(json.dumps({"arch": fields, "v": family.tiny_builder_version}, sort_keys=True))


@functools.lru_cache(maxsize=None)
def _content_key(header: str) -> str:
    """The hash of ``header`` and the tokenizer corpus: read once per process and architecture
    (planning a grid asks for it once per cell)."""
    digest = hashlib.sha256()
    digest.update(header.encode())
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
    tokens = family_named(EncoderFamily.xlmr).tiny_tokens
    bos, eos = tok.token_to_id(tokens.cls), tok.token_to_id(tokens.sep)
    tok.post_processor = processors.TemplateProcessing(
        single=tokens.single,
        pair=tokens.pair,
        special_tokens=[(tokens.cls, bos), (tokens.sep, eos)],
    )
    return XLMRobertaTokenizer(tokenizer_object=tok, model_max_length=max_length)


def _canonical_vocab(tok: Any, digits: int = 8, specials: List[str] = SPECIAL_TOKENS) -> Any:
    """The same tokenizer, its Unigram vocabulary made canonical: scores rounded and pieces in
    (score, piece) order after the special tokens. The trainer's parallel EM sums floats in a
    varying order, so two builds differ in the last bits of some scores and in the order of tied
    pieces (their ids), enough to make the same seed give other numbers on another machine."""
    from tokenizers import Tokenizer

    data = json.loads(tok.to_str())
    vocab = [[piece, round(score, digits)] for piece, score in data["model"]["vocab"]]
    special, rest = vocab[: len(specials)], vocab[len(specials):]
    if [piece for piece, _ in special] != list(specials):
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


def _train_wordpiece(files: Iterable[Path], vocab_size: int, max_length: int, family: Family) -> Any:
    """A cased multilingual WordPiece tokenizer as mBERT's (BertTokenizer, do_lower_case=False).

    tokenizers' WordPieceTrainer numbers the ``##`` pieces in hash order, which breaks ties
    between equally frequent merges differently from run to run. So the merges are learnt by its
    BPE trainer (deterministic) on the pre-tokenised words with each word-internal character
    replaced by a private-use stand-in, which makes "c inside a word" a symbol of its own, as
    ``##c`` is in WordPiece; the stand-ins are mapped back to ``##`` pieces afterwards. The
    transformers class builds the backend from that vocabulary, as it does on reload."""
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, trainers
    from transformers import BertTokenizer

    tokens = family.tiny_tokens
    normalizer = normalizers.BertNormalizer(clean_text=True, handle_chinese_chars=True, strip_accents=False,
                                            lowercase=False)
    splitter = pre_tokenizers.BertPreTokenizer()
    words = [word for f in files for line in f.read_text(encoding="utf-8").splitlines()
             for word, _ in splitter.pre_tokenize_str(normalizer.normalize_str(line))]
    inner = {c: chr(0xF0000 + i) for i, c in enumerate(sorted({c for word in words for c in word[1:]}))}
    outer = {stand_in: c for c, stand_in in inner.items()}
    bpe = Tokenizer(models.BPE(unk_token=tokens.unk))
    bpe.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=list(tokens.ordered), show_progress=False)
    bpe.train_from_iterator([word[0] + "".join(inner[c] for c in word[1:]) for word in words], trainer)
    vocab = {}
    for piece, _ in sorted(bpe.get_vocab().items(), key=lambda item: item[1]):
        text = "".join(outer.get(c, c) for c in piece)
        vocab["##" + text if piece[0] in outer else text] = len(vocab)
    if len(vocab) != bpe.get_vocab_size():
        raise RuntimeError("tiny WordPiece vocabulary: two pieces map to the same text")
    return BertTokenizer(
        vocab=vocab, do_lower_case=False, unk_token=tokens.unk, sep_token=tokens.sep,
        pad_token=tokens.pad, cls_token=tokens.cls, mask_token=tokens.mask, model_max_length=max_length,
    )


def _train_deberta_unigram(files: Iterable[Path], vocab_size: int, max_length: int, family: Family) -> Any:
    """A Unigram tokenizer with DebertaV2Tokenizer's normaliser and pre-tokeniser (those it
    rebuilds on reload), its vocabulary canonical as XLM-R's."""
    from tokenizers import Regex, Tokenizer, models, normalizers, pre_tokenizers, trainers
    from transformers import DebertaV2Tokenizer

    tokens = family.tiny_tokens
    tok = Tokenizer(models.Unigram())
    tok.normalizer = normalizers.Sequence([
        normalizers.Replace(Regex(r"\s{2,}|[\n\r\t]"), " "), normalizers.NFC(), normalizers.Strip(left=False, right=True),
    ])
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
    trainer = trainers.UnigramTrainer(
        vocab_size=vocab_size, special_tokens=list(tokens.ordered), unk_token=tokens.unk, show_progress=False
    )
    tok.train([str(f) for f in files], trainer)
    tok = _canonical_vocab(tok, specials=list(tokens.ordered))
    vocab = [(piece, score) for piece, score in json.loads(tok.to_str())["model"]["vocab"]]
    return DebertaV2Tokenizer(
        vocab=vocab, do_lower_case=False, bos_token=tokens.cls, eos_token=tokens.sep, unk_token=tokens.unk,
        sep_token=tokens.sep, pad_token=tokens.pad, cls_token=tokens.cls, mask_token=tokens.mask,
        model_max_length=max_length,
    )


def _tokenizer_for(family: Family, arch: TinyArchitecture) -> Any:
    files = _corpus_files()
    if family.name == EncoderFamily.xlmr:
        return _train_tokenizer(files, arch.vocab_size, arch.max_length)
    if family.name == EncoderFamily.bert:
        return _train_wordpiece(files, arch.vocab_size, arch.max_length, family)
    return _train_deberta_unigram(files, arch.vocab_size, arch.max_length, family)


def _build_tiny(arch: TinyArchitecture, dest: Path) -> None:
    import torch
    import transformers

    family = _family(arch)
    tokenizer = _tokenizer_for(family, arch)
    specials = list(family.tiny_tokens.ordered)
    ids = [tokenizer.convert_tokens_to_ids(t) for t in specials]
    if ids != list(range(len(specials))):
        raise RuntimeError(f"tiny {family.name.value} tokenizer: special token ids {ids} for {specials} are not 0..{len(specials) - 1}")
    config = family.tiny_config(arch, len(tokenizer))
    torch.manual_seed(arch.init_seed)
    model = getattr(transformers, family.tiny_model_class)(config)
    model.save_pretrained(dest)
    tokenizer.save_pretrained(dest)


def ensure_tiny_model(arch: TinyArchitecture, cache_root: Path) -> Path:
    """Return the folder of the tiny model, building it once (atomically, under a lock)."""
    models_dir = Path(cache_root) / "models"
    models_dir.mkdir(parents=True, exist_ok=True)
    family = _family(arch)
    name = "tiny" if family.name == EncoderFamily.xlmr else f"tiny-{family.name.value}"
    dest = models_dir / f"{name}-{tiny_model_key(arch)}"
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
