"""Few batch shapes: bucket lengths are the padding-optimal ones, every batch (training,
evaluation, prediction) is padded to one of them, and predictions do not change."""

from __future__ import annotations

import itertools
from typing import Any, List

import numpy as np
import pytest
from omegaconf import OmegaConf

from xtask.config import ConfigError, PhaseTrainConfig, TinyArchitecture
from xtask.models.tiny import ensure_tiny_model
from xtask.pipeline import batching, shapes
from xtask.pipeline.formats import format_for
from xtask.pipeline.training import TrainKnobs, training_arguments
from xtask.tasks import get_task, target_task
from xtask.data.sources import read_split


def _padded_tokens(lengths: List[int], sizes: List[int], bounds: List[int]) -> int:
    return sum(s * min(b for b in bounds if b >= n) for n, s in zip(lengths, sizes))


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("multiple", [1, 8])
def test_bucket_lengths_are_the_padding_optimal_ones(seed: int, multiple: int) -> None:
    """Against every choice of at most ``count`` lengths among the candidates (brute force)."""
    rng = np.random.default_rng(seed)
    lengths = rng.integers(1, 60, size=25).tolist()
    sizes = rng.integers(1, 5, size=25).tolist()
    count, longest = 3, max(lengths)
    bounds = shapes.bucket_lengths(lengths, sizes, count, multiple, longest)
    top = shapes.round_up(longest, multiple)
    assert len(bounds) <= count and bounds[-1] == top and all(b % multiple == 0 for b in bounds)
    candidates = sorted({min(shapes.round_up(n, multiple), top) for n in lengths} - {top})
    best = min(_padded_tokens(lengths, sizes, [*chosen, top])
               for k in range(count) for chosen in itertools.combinations(candidates, k))
    assert _padded_tokens(lengths, sizes, bounds) == best


def test_the_fewest_buckets_within_the_slack_are_chosen() -> None:
    lengths = list(range(1, 101))
    sizes = [1] * 100
    few = shapes.bucket_lengths(lengths, sizes, 32, 1, 100, tokens=sum(lengths), slack=0.10)
    many = shapes.bucket_lengths(lengths, sizes, 32, 1, 100, tokens=sum(lengths), slack=0.03)
    assert len(few) < len(many) <= 32
    for bounds, slack in ((few, 0.10), (many, 0.03)):
        assert 1 - sum(lengths) / _padded_tokens(lengths, sizes, bounds) <= slack


def test_a_longer_prediction_feature_is_padded_to_its_multiple() -> None:
    assert shapes.padded_length(13, [8, 16, 32]) == 16
    assert shapes.padded_length(40, [8, 16, 32], multiple=8) == 40
    assert shapes.padded_length(41, [8, 16, 32], multiple=8) == 48


def test_defaults_are_buckets_on_a_gpu_only() -> None:
    hp = OmegaConf.structured(PhaseTrainConfig)
    assert shapes.settings(hp, on_gpu=True) == {"buckets": shapes.GPU_BUCKETS, "multiple": 8}
    assert shapes.settings(hp, on_gpu=False) == {"buckets": 0, "multiple": 1}
    assert shapes.settings(OmegaConf.merge(hp, {"length_buckets": 0}), on_gpu=True)["buckets"] == 0


def test_bad_shape_settings_are_refused(compose) -> None:
    from xtask.plan.validate import validate

    with pytest.raises(ConfigError, match="train.target.length_buckets"):
        validate(compose("train.target.length_buckets=-1"))
    with pytest.raises(ConfigError, match="train.target.pad_to_multiple_of"):
        validate(compose("train.target.pad_to_multiple_of=0"))


# --------------------------------------------------------------------------- in a Trainer


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> str:
    return str(ensure_tiny_model(TinyArchitecture(), tmp_path_factory.mktemp("cache")))


@pytest.fixture(scope="module")
def tokenizer(tiny):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(tiny)


def _hp(**overrides: Any) -> Any:
    base = {"eval_strategy": "no", "selection": "last", "max_length": 64, "eval_batch_size": 8, "batch_size": 4,
            "max_steps": 12, "doc_stride": 16, "max_query_length": 24}
    return OmegaConf.merge(OmegaConf.structured(PhaseTrainConfig), {**base, **overrides})


CASES = [("xnli", "classification"), ("udpos", "tagging"), ("hellaswag", "multiple choice")]


@pytest.mark.slow
@pytest.mark.parametrize("name,kind", CASES)
def test_every_batch_has_a_bucket_length_and_nothing_else_changes(name, kind, tiny, tokenizer, tmp_path,
                                                                  mini_ctx) -> None:
    """Training and prediction batches all have bucket lengths; padding is masked, so training
    is the same computation up to float rounding, and predictions are those of plain padding."""
    from transformers import set_seed

    task = (get_task(name) if name == "hellaswag" else target_task(name)).resolve(mini_ctx)
    raw = read_split(task, mini_ctx, "dev", "en")
    raw = raw.select(range(min(len(raw), 48)))
    fmt = format_for(task)

    def trainer_for(hp: Any) -> Any:
        set_seed(0)
        args = training_arguments(hp, tmp_path, 1, TrainKnobs(), "none", "test")
        return fmt.build_trainer(model=fmt.load_model(tiny, task), args=args, train_set=raw, dev_raw=None,
                                 tokenizer=tokenizer, task=task, hp=hp)

    hp = _hp(length_buckets=3, pad_to_multiple_of=4)
    bucketed, plain = trainer_for(hp), trainer_for(_hp())
    bounds = shapes.apply(bucketed, hp, on_gpu=False)
    assert shapes.apply(plain, _hp(), on_gpu=False) is None  # a CPU's default: nothing changes
    assert bounds is not None and len(bounds) <= 3 and all(b % 4 == 0 for b in bounds)
    seen: List[int] = []
    bucketed.model.register_forward_pre_hook(lambda m, a, kw: seen.append(kw["input_ids"].shape[-1]), with_kwargs=True)
    bucketed.train()
    plain.train()
    assert len(seen) == 12 and set(seen) <= set(bounds)
    lengths = batching.feature_lengths(bucketed.train_dataset)
    assert len(set(seen)) < len(set(lengths.tolist()))  # fewer shapes than the features have lengths
    trained, reference = bucketed.model.state_dict(), plain.model.state_dict()
    assert max(float((trained[k] - reference[k]).abs().max()) for k in reference) < 1e-3

    encoded = fmt.encode_for_prediction(raw, tokenizer, task, hp)
    inputs = encoded.remove_columns([c for c in encoded.column_names if c not in ("input_ids", "attention_mask")])
    seen.clear()
    got = batching.predict_in_order(bucketed, inputs)
    assert seen and all(n in bounds or n % 4 == 0 for n in seen)
    bucketed.data_collator = bucketed.data_collator.collator  # the same model, plain padding
    want = batching.predict_in_order(bucketed, inputs)
    assert got.shape[0] == want.shape[0] == len(inputs)
    if kind == "tagging":  # per token: past a row's end lies padding
        for row, n in enumerate(batching.feature_lengths(inputs)):
            np.testing.assert_allclose(got[row, :n], want[row, :n], atol=1e-5)
    else:
        np.testing.assert_allclose(got, want, atol=1e-5)


def test_shape_and_checkpoint_settings_never_change_a_cell_key(compose) -> None:
    """Padding is masked and checkpoints only resume: neither changes what a phase computes."""
    from xtask.pipeline.cell import plan_cell

    base = plan_cell(compose("target=xnli", "inter=mnli")).spec
    same = [f"train.{phase}.{knob}" for phase in ("inter", "target")
            for knob in ("length_buckets=8", "pad_to_multiple_of=8", "checkpoint_minutes=30", "save_steps=100")]
    spec = plan_cell(compose("target=xnli", "inter=mnli", *same)).spec
    assert (spec.key, spec.inter_key) == (base.key, base.inter_key)
