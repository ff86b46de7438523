"""Scoring an encoder directly on the retrieval targets (Tatoeba, BUCC 2018), as XTREME does.

Sentence embeddings are the mean over non-padding tokens of one layer's hidden states
(``model.retrieval_layer``; XTREME uses layer 14 of XLM-R Large), compared by cosine.
Tatoeba: each xx sentence retrieves its nearest English sentence (accuracy).
BUCC: candidate pairs are mined with the ratio margin of Artetxe & Schwenk (2019, k=4), kept
one-to-one best-first (LASER's "max" strategy); pairs scoring above a threshold are predicted,
the threshold being the one that maximises F1 on the dev split's gold pairs.
"""

from __future__ import annotations

import logging
import random
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

import numpy as np
from tqdm.auto import tqdm

from xtask import mining
from xtask.atomic import write_text_atomic
from xtask.data.canonical import Bitext
from xtask.data.sources import DataContext, read_split
from xtask.pipeline.chance import chance
from xtask.pipeline.evaluation import summarize
from xtask.scoring.files import write_labels
from xtask.scoring.metrics import accuracy, bucc_f1
from xtask.store.records import TargetScores
from xtask.tasks.spec import TaskSpec as Task

log = logging.getLogger(__name__)
MARGIN_K = mining.MARGIN_K


class Encoder:
    """Mean-pooled hidden states of one layer of a (Hub or local) encoder of any supported family
    (the tokenizer's own inputs, token_type_ids included; no pooler, which pooling never reads).

    The encoder runs only up to the retrieval layer (layer 14 of XLM-R Large's 24: the layers
    above it would be computed for nothing), and sentences are embedded in batches of similar
    length (little padding), their order restored. ``dtype``: the precision the model runs in
    (autocast, as the Trainer evaluates in bf16/fp16), pooled and normalised in float32."""

    def __init__(self, init_from: str, layer: int, max_length: int, batch_size: int, prefix: str = "",
                 dtype: Any = None) -> None:
        import torch
        from transformers import AutoModel, AutoTokenizer

        from xtask.models.families import family_at

        self.tokenizer = AutoTokenizer.from_pretrained(init_from)
        from xtask.models.load_report import load

        self.model = load(AutoModel, init_from, **family_at(init_from).encoder_kwargs(pooler=False)).eval()
        layers = self.model.config.num_hidden_layers
        if not -layers - 1 <= layer <= layers:
            raise ValueError(f"model.retrieval_layer={layer} but the model has {layers} layers (0 = embeddings)")
        self.layer = layer % (layers + 1)  # hidden_states[0] = embeddings, [layers] = the last layer
        encoder = getattr(self.model, "encoder", None)
        if encoder is not None and isinstance(getattr(encoder, "layer", None), torch.nn.ModuleList):
            encoder.layer = encoder.layer[: max(self.layer, 1)]  # stop where the embedding is read
        self.max_length, self.batch_size, self.prefix = max_length, batch_size, prefix
        self.dtype = dtype  # autocast precision (torch.bfloat16 / torch.float16), None: float32
        self.device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
        self.model.to(self.device)

    def __call__(self, sentences: Sequence[str]) -> np.ndarray:
        import torch

        texts = [self.prefix + s for s in sentences]
        lengths = [len(ids) for ids in self.tokenizer(texts, truncation=True, max_length=self.max_length)["input_ids"]]
        order = sorted(range(len(texts)), key=lambda i: lengths[i])  # batches of similar length
        out = np.zeros((len(texts), self.model.config.hidden_size), dtype=np.float32)
        for start in range(0, len(order), self.batch_size):
            rows = order[start : start + self.batch_size]
            batch = self.tokenizer([texts[i] for i in rows], padding=True, truncation=True, max_length=self.max_length,
                                   return_tensors="pt")
            hidden = self.hidden(batch)
            pooled = mean_pool(hidden, batch["attention_mask"].to(hidden.device))
            out[rows] = torch.nn.functional.normalize(pooled.float(), dim=-1).cpu().numpy()
        return out

    def hidden(self, batch: Mapping[str, Any]) -> Any:
        """The retrieval layer's hidden states (in the precision the model runs in, on its device)
        of a padded batch of model inputs (``input_ids``, ``attention_mask``, ``token_type_ids``
        where the tokenizer makes them)."""
        import torch

        inputs = {key: value.to(self.device) for key, value in batch.items()}
        with torch.no_grad(), torch.autocast(self.device.type, dtype=self.dtype, enabled=self.dtype is not None):
            return self.model(**inputs, output_hidden_states=True).hidden_states[self.layer]


def mean_pool(hidden: Any, attention_mask: Any) -> Any:
    """The mean of each row's hidden states over its non-padding tokens (a torch tensor)."""
    mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * mask).sum(1) / mask.sum(1).clamp(min=1)


def retrieval_dtype(precision: Any, on_gpu: bool) -> Any:
    """The precision the retrieval encoder runs in: the cell's (:class:`xtask.plan.cellplan.PrecisionPlan`:
    bf16, or fp16) on a GPU, float32 (None) on a CPU, as training's precision knobs."""
    import torch

    if not on_gpu or precision is None:
        return None
    if precision.bf16:
        return torch.bfloat16
    return torch.float16 if precision.fp16 else None


# Exact top-1 search and ratio-margin mining in row blocks (memory O(block x m), never n x m), in
# torch on the GPU when there is one (xtask/mining_torch.py), else numpy.
def nearest(src: np.ndarray, tgt: np.ndarray) -> List[int]:
    return mining.nearest(src, tgt, backend="auto")


margin_candidates = mining.margin_candidates


def best_threshold(candidates: List[Tuple[float, str, str]], gold: Sequence[Tuple[str, str]]) -> float:
    """Score threshold that maximises F1 of the candidates above it against ``gold``."""
    gold_set, best_f1, threshold = set(gold), 0.0, float("inf")
    correct = 0
    for rank, (score, a, b) in enumerate(candidates, start=1):
        correct += (a, b) in gold_set
        if correct:
            precision, recall = correct / rank, correct / len(gold_set)
            f1 = 2 * precision * recall / (precision + recall)
            if f1 > best_f1:
                following = candidates[rank][0] if rank < len(candidates) else score - 1.0
                best_f1, threshold = f1, (score + following) / 2
    return threshold


def sample_pairs(bitext: Bitext, limit: Optional[int], seed: int) -> Bitext:
    """A random sample of ``limit`` aligned pairs (line i of one side is line i of the other),
    renumbered; the candidates shrink with it, so the chance level rises to 1 / limit. A bitext
    that is not known to be aligned (no gold, or other gold pairs) is returned whole."""
    aligned = bitext.gold is not None and all(a == b == str(i) for i, (a, b) in enumerate(bitext.gold))
    if limit is None or limit >= len(bitext) or not aligned or len(bitext.src) != len(bitext.tgt):
        return bitext
    keep = sorted(random.Random(seed).sample(range(len(bitext)), limit))
    ids = [str(k) for k in range(limit)]
    return Bitext(ids, [bitext.src[i] for i in keep], ids, [bitext.tgt[i] for i in keep], [(i, i) for i in ids])


def _tatoeba(encoder: Encoder, bitext: Bitext) -> Tuple[List[str], Optional[List[str]]]:
    predicted = [str(i) for i in nearest(encoder(bitext.src), encoder(bitext.tgt))]
    gold = [b for _, b in bitext.gold] if bitext.gold is not None else None
    return predicted, gold


def _bucc(encoder: Encoder, bitext: Bitext, threshold: float) -> Tuple[List[str], Optional[List[str]]]:
    found = margin_candidates(encoder(bitext.src), encoder(bitext.tgt))
    predicted = [f"{bitext.src_ids[i]}\t{bitext.tgt_ids[j]}" for score, i, j in found if score > threshold]
    gold = [f"{a}\t{b}" for a, b in bitext.gold] if bitext.gold is not None else None
    return predicted, gold


def bucc_threshold(encoder: Encoder, task: Task, ctx: DataContext, lang: str) -> float:
    dev = read_split(task, ctx, "dev", lang)
    if dev.gold is None:
        raise ValueError(f"{task.name} dev {lang} has no gold pairs: the mining threshold cannot be chosen")
    found = margin_candidates(encoder(dev.src), encoder(dev.tgt))
    return best_threshold([(s, dev.src_ids[i], dev.tgt_ids[j]) for s, i, j in found], dev.gold)


def score_retrieval(
    task: Task, init_from: str, ctx: DataContext, data: Mapping[str, Bitext], split: str,
    settings: Any, cell_dir: Path, seed: int = 0, precision: Any = None,
) -> TargetScores:
    """Score the encoder on ``split`` of each language in ``data`` (language -> its bitext, as
    the cell's preflight read it); ``ctx`` gives BUCC's dev split (its threshold). Tatoeba
    scores a random sample of ``hp.max_eval_examples`` pairs when set (BUCC always the whole
    corpus: its pairs hide among unpaired sentences). ``settings``: the cell's
    :class:`xtask.plan.cellplan.RetrievalPlan` (layer, prefix, max_length, sampling);
    ``precision``: its :class:`xtask.plan.cellplan.PrecisionPlan` (the encoder's dtype on a GPU)."""
    import torch

    hp = settings
    layer = int(settings.layer)
    encoder = Encoder(init_from, layer, settings.max_length, settings.batch_size, settings.prefix,
                      dtype=retrieval_dtype(precision, torch.cuda.is_available()))
    languages = list(data)
    per_language: Dict[str, Dict[str, float]] = {}
    sizes: Dict[str, int] = {}
    chances: Dict[str, Optional[float]] = {}
    sampled: Dict[str, int] = {}
    unlabelled: List[str] = []
    for lang in tqdm(languages, desc=f"scoring {task.name}", unit="lang"):
        bitext = data[lang]
        if task.retrieval == "nearest":
            bitext = sample_pairs(bitext, hp.max_eval_examples, seed)
            if len(bitext) < len(data[lang]):
                sampled[lang] = len(data[lang])
            predicted, gold = _tatoeba(encoder, bitext)
        else:
            predicted, gold = _bucc(encoder, bitext, bucc_threshold(encoder, task, ctx, lang))
        name = f"{split}-{lang}.{task.suffix}"  # test-LANG as XTREME's layout; dev-LANG for a dev split
        write_text_atomic(cell_dir / "predictions" / task.name / name, write_labels(task.submission, predicted))
        if gold is None:
            unlabelled.append(lang)
            log.info("%s %s %s has no gold: predictions only", task.name, split, lang)
            continue
        write_text_atomic(cell_dir / "labels" / task.name / name, write_labels(task.submission, gold))
        per_language[lang] = accuracy(gold, predicted) if task.retrieval == "nearest" else bucc_f1(gold, predicted)
        sizes[lang] = len(bitext)
        chances[lang] = chance(task, gold)
        log.info("%s %s %s: %s=%.2f", task.name, split, lang, task.headline_metric, per_language[lang][task.headline_metric])
    scores = summarize(task, split, languages, per_language, sizes, unlabelled, chances, sampled)
    scores.extra["layer"] = layer
    return scores
