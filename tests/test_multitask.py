"""Multi-task intermediate training: the sampler, the mixture, MLM share, checkpoint reload."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch

from xtask.pipeline.multitask.sampler import TaskSampler, task_probabilities

SIZES = {"mnli": 9000, "squad": 1000, "sst2": 100}


def _empirical(probabilities, draws: int = 40000, seed: int = 0):
    sampler = TaskSampler(probabilities, seed=seed)
    counts = {name: 0 for name in probabilities}
    for _ in range(draws):
        counts[sampler.draw()] += 1
    return {name: n / draws for name, n in counts.items()}


@pytest.mark.parametrize(
    "kwargs,expected",
    [
        ({"strategy": "proportional"}, {"mnli": 0.9, "squad": 0.1, "sst2": 0.01}),
        ({"strategy": "uniform"}, {"mnli": 1 / 3, "squad": 1 / 3, "sst2": 1 / 3}),
        # T=2: weights sqrt(9000), sqrt(1000), sqrt(100) = 94.87, 31.62, 10 (sum 136.49)
        ({"strategy": "temperature", "temperature": 2.0}, {"mnli": 0.6951, "squad": 0.2317, "sst2": 0.0733}),
        # cap 1000 then proportional: 1000, 1000, 100 of 2100
        ({"strategy": "proportional", "cap": 1000}, {"mnli": 1000 / 2100, "squad": 1000 / 2100, "sst2": 100 / 2100}),
    ],
)
def test_sampler_proportions_match_configuration(kwargs, expected) -> None:
    probabilities = task_probabilities(SIZES, **kwargs)
    total = sum(expected.values())
    for name, p in expected.items():
        assert probabilities[name] == pytest.approx(p / total, abs=1e-3)
    observed = _empirical(probabilities)
    for name, p in probabilities.items():
        # 40k draws: standard error <= 0.0025; allow 4 of them.
        assert observed[name] == pytest.approx(p, abs=4 * math.sqrt(p * (1 - p) / 40000) + 1e-9)


def test_fixed_mlm_share_comes_first() -> None:
    probabilities = task_probabilities(SIZES, strategy="uniform", fixed={"mlm": 0.25})
    assert probabilities["mlm"] == 0.25
    assert probabilities["sst2"] == pytest.approx(0.25)
    assert _empirical(probabilities)["mlm"] == pytest.approx(0.25, abs=0.01)


@pytest.mark.parametrize(
    "kwargs,message",
    [
        ({"strategy": "softmax"}, "unknown sampling strategy 'softmax'; valid: proportional, uniform, temperature"),
        ({"strategy": "temperature", "temperature": 0}, "temperature must be > 0"),
        ({"fixed": {"mlm": 1.0}}, "sum below 1"),
    ],
)
def test_sampler_configuration_errors(kwargs, message) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        task_probabilities(SIZES, **kwargs)


@pytest.mark.slow
def test_mixture_with_mlm_trains_and_its_checkpoint_reloads(run_cell_with) -> None:
    from safetensors.torch import load_file

    from xtask.pipeline.multitask.model import MultiTaskModel

    results = run_cell_with(
        "inter=multitask", "inter.tasks=[mnli,squad]", "inter.mlm.share=0.3", "train.inter.max_steps=40",
        "train.inter.batch_size=8", "target=xnli", "target.languages=[en]",
    )
    inter = results.results.phases["inter"]
    assert inter["tasks"] == ["mnli", "squad", "mlm"]
    assert inter["task_probabilities"]["mlm"] == pytest.approx(0.3)
    drawn = inter["batches_per_task"]
    assert sum(drawn.values()) == 40 and drawn["mlm"] > 0 and drawn["squad"] > 0
    folder = Path(inter["cache_dir"])
    reloaded = MultiTaskModel.load(folder)
    assert set(reloaded.task_models) == {"mnli", "squad", "mlm"}
    encoder = load_file(str(folder / "encoder" / "model.safetensors"))
    key = "encoder.layer.1.output.dense.weight"
    assert torch.equal(reloaded.encoder.state_dict()[key], encoder[key])
    # The tied MLM decoder follows the (shared) input embeddings.
    mlm = reloaded.task_models["mlm"]
    assert mlm.lm_head.decoder.weight.data_ptr() == reloaded.encoder.embeddings.word_embeddings.weight.data_ptr()


@pytest.mark.slow
def test_default_mixture_reads_each_training_set_once(run_cell_with, monkeypatch, tmp_path: Path) -> None:
    """inter=multitask without a task list sees which tasks have data without reading them;
    each training file is then parsed once (MNLI, inside ANLI+ and on its own, too)."""
    from collections import Counter

    from xtask.data import sources

    reads: Counter = Counter()
    original = sources._read

    def counting(task, ctx, split, lang="en"):
        if split == "train":
            reads[task.name] += 1
        return original(task, ctx, split, lang)

    monkeypatch.setattr(sources, "_read", counting)
    sources._READ_CACHE.clear()
    results = run_cell_with("inter=multitask", "target=tatoeba", "target.languages=[de]",
                            f"paths.cache={tmp_path / 'cache'}")  # its own cache: the mixture is trained here
    trained = results.results.phases["inter"]["tasks"]
    assert len(trained) >= 5 and set(trained) <= set(reads)
    assert all(reads[name] == 1 for name in trained), reads
