"""The retrieval encoder stops at its layer and embeds length-sorted batches: the same
embeddings, in the caller's order, as running every sentence alone through the whole model."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from xtask.data.sources import read_split


@pytest.mark.parametrize("layer", [1, -1, 0])
def test_truncated_sorted_batches_equal_the_full_model(shared_cache, layer: int) -> None:
    from transformers import AutoModel, AutoTokenizer

    from xtask.config import TinyArchitecture
    from xtask.models.tiny import ensure_tiny_model
    from xtask.pipeline.retrieval import Encoder

    folder = ensure_tiny_model(TinyArchitecture(), shared_cache)
    sentences = ["Der Mann schläft im Park.", "a", "The woman is reading in the library with a friend today.", "x y",
                 "Le chien mange.", "Ein sehr langer Satz, der viel länger ist als die anderen Sätze hier."]
    encoder = Encoder(str(folder), layer, 64, batch_size=2)
    if layer == 1:
        assert len(encoder.model.encoder.layer) == 1  # layer 2 of 2 is never computed
    got = encoder(sentences)
    tokenizer, model = AutoTokenizer.from_pretrained(folder), AutoModel.from_pretrained(folder).eval()
    for row, sentence in zip(got, sentences):
        with torch.no_grad():
            hidden = model(**tokenizer([sentence], return_tensors="pt"), output_hidden_states=True).hidden_states[layer]
        expected = torch.nn.functional.normalize(hidden.mean(1), dim=-1)[0].numpy()
        assert np.abs(row - expected).max() < 1e-5, sentence


def test_sampled_tatoeba_pairs_stay_aligned_and_renumbered() -> None:
    from xtask.data.canonical import Bitext
    from xtask.pipeline.retrieval import sample_pairs

    ids = [str(i) for i in range(50)]
    bitext = Bitext(ids, [f"s{i}" for i in range(50)], ids, [f"t{i}" for i in range(50)], [(i, i) for i in ids])
    sample = sample_pairs(bitext, 10, seed=3)
    assert len(sample) == 10 and sample.src_ids == sample.tgt_ids == [str(k) for k in range(10)]
    assert [s[1:] for s in sample.src] == [t[1:] for t in sample.tgt]  # pair i is still pair i
    assert sample.gold == [(str(k), str(k)) for k in range(10)]
    assert sample_pairs(bitext, 10, seed=3).src == sample.src and sample_pairs(bitext, 10, seed=4).src != sample.src
    assert sample_pairs(bitext, None, seed=3) is bitext and sample_pairs(bitext, 80, seed=3) is bitext
    shuffled = Bitext(ids, bitext.src, ids, bitext.tgt, [(i, str((int(i) + 1) % 50)) for i in ids])
    assert sample_pairs(shuffled, 10, seed=3) is shuffled  # not known to be aligned: scored whole


@pytest.mark.slow
def test_a_tatoeba_cell_on_a_sample_of_pairs_is_partial_with_its_chance(run_cell_with) -> None:
    scores = run_cell_with("inter=none", "target=tatoeba", "target.languages=[de,fr]",
                           "train.target.max_eval_examples=20").results.scores
    assert scores.sampled == {"de": 100, "fr": 100}  # the mini copy has 100 pairs per language
    assert {lang: s.n for lang, s in scores.per_language.items()} == {"de": 20, "fr": 20}
    assert scores.extra["chance"] == {"de": 5.0, "fr": 5.0} and scores.partial


def test_the_encoder_runs_in_the_models_precision_on_a_gpu() -> None:
    from xtask.pipeline.retrieval import retrieval_dtype
    from xtask.plan.cellplan import PrecisionPlan

    bf16, fp16, plain = PrecisionPlan(bf16=True), PrecisionPlan(fp16=True), PrecisionPlan()
    assert retrieval_dtype(bf16, on_gpu=True) == torch.bfloat16
    assert retrieval_dtype(fp16, on_gpu=True) == torch.float16
    assert retrieval_dtype(plain, on_gpu=True) is None
    assert retrieval_dtype(bf16, on_gpu=False) is None  # a CPU: float32, as training


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16])
def test_half_precision_retrieval_agrees_with_float32_on_tatoeba(shared_cache, mini_ctx, dtype) -> None:
    """bf16/fp16 embeddings (autocast, here on the CPU) are not float32's, but retrieve the same
    nearest English sentence for nearly every Tatoeba sentence."""
    from xtask.config import TinyArchitecture
    from xtask.models.tiny import ensure_tiny_model
    from xtask.pipeline.retrieval import Encoder, nearest
    from xtask.tasks import target_task

    folder = str(ensure_tiny_model(TinyArchitecture(), shared_cache))
    task = target_task("tatoeba").resolve(mini_ctx)
    full, half = Encoder(folder, -1, 64, 16), Encoder(folder, -1, 64, 16, dtype=dtype)
    agree = total = 0
    for lang in ("de", "fr", "zh"):
        bitext = read_split(task, mini_ctx, "test", lang)
        exact = [full(bitext.src), full(bitext.tgt)]
        rounded = [half(bitext.src), half(bitext.tgt)]
        assert not np.array_equal(exact[0], rounded[0])  # the half precision really ran
        assert float((exact[0] * rounded[0]).sum(1).min()) > 0.99  # cosine of each pair of embeddings
        ours, reference = nearest(*rounded), nearest(*exact)
        agree += sum(a == b for a, b in zip(ours, reference))
        total += len(reference)
    assert total >= 100 and agree / total >= 0.95, (agree, total)
