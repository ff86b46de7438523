"""Speed paths that must not change what is computed: length-grouped training batches (seeded,
resumable), length-sorted prediction (outputs back in the rows' order), the feature cache,
and the speed-only knobs (never in a cell's key)."""

from __future__ import annotations

import multiprocessing
from pathlib import Path
from typing import Any

import datasets
import numpy as np
import pytest
import torch
from omegaconf import OmegaConf

from xtask.config import ConfigError, PhaseTrainConfig
from xtask.pipeline import batching, features
from xtask.pipeline.formats import format_for
from xtask.pipeline.training import TrainKnobs, speed_knobs, training_arguments
from xtask.tasks import get_task, target_task
from xtask.data.sources import read_split


@pytest.fixture(scope="module")
def tiny(tiny_model: Path) -> str:
    return str(tiny_model)


def _hp(**overrides: Any) -> Any:
    base = {"eval_strategy": "no", "selection": "last", "max_length": 64, "eval_batch_size": 4, "batch_size": 4,
            "doc_stride": 16, "max_query_length": 24}
    return OmegaConf.merge(OmegaConf.structured(PhaseTrainConfig), {**base, **overrides})


def _trainer(task: Any, tiny: str, tokenizer: Any, tmp_path: Path, train: datasets.Dataset, hp: Any,
             cache: Path | None = None) -> Any:
    from transformers import set_seed

    fmt = format_for(task)
    set_seed(0)
    model = fmt.load_model(tiny, task)
    args = training_arguments(hp, tmp_path, 1, TrainKnobs(), "none", "test")
    return fmt.build_trainer(model=model, args=args, train_set=train, dev_raw=None, tokenizer=tokenizer, task=task,
                             hp=hp, cache=cache)


# --------------------------------------------------------------------------- training order


def test_grouped_sampler_is_seeded_by_seed_and_epoch_only() -> None:
    lengths = list(np.random.default_rng(0).integers(5, 120, size=400))
    sampler = batching.GroupedSampler(lengths, batch_size=8, seed=3)
    sampler.set_epoch(2)
    torch.manual_seed(123)
    first = list(sampler)
    torch.manual_seed(999)  # the global RNG (dropout, a resumed run's restored state) plays no part
    sampler.set_epoch(2)
    assert list(sampler) == first
    assert sorted(first) == list(range(400))
    assert list(sampler) != first  # without set_epoch the next pass is the next epoch (mixture loaders)
    assert batching.GroupedSampler(lengths, 8, seed=4).order(2) != first
    # Far less padding than a random order, which is what it is for.
    random_order = list(np.random.default_rng(1).permutation(400))
    assert batching.padding_fraction(lengths, first, 8) < batching.padding_fraction(lengths, random_order, 8) / 3


def test_multiple_choice_length_is_its_longest_choice() -> None:
    rows = datasets.Dataset.from_dict({"input_ids": [[[1, 2], [1, 2, 3, 4]], [[1], [1]], [[1, 2, 3], []]]})
    assert batching.feature_lengths(rows).tolist() == [4, 1, 3]
    assert batching.feature_lengths(rows.select([2, 0])).tolist() == [3, 4]


def test_training_is_grouped_and_evaluation_keeps_its_order(tiny, tokenizer, tmp_path, mini_ctx) -> None:
    task = target_task("xnli").resolve(mini_ctx)
    raw = read_split(task, mini_ctx, "dev", "en")
    trainer = _trainer(task, tiny, tokenizer, tmp_path, raw, _hp())
    sampler = trainer._get_train_sampler()
    assert isinstance(sampler, batching.GroupedSampler)
    # transformers' own group_by_length would reorder this one too (predictions off their rows).
    encoded = format_for(task).encode_for_training(raw, tokenizer, task, _hp())
    trainer.args.train_sampling_strategy = "group_by_length"  # even so
    assert list(trainer._get_eval_sampler(encoded)) == list(range(len(encoded)))
    plain = _trainer(task, tiny, tokenizer, tmp_path, raw, _hp(group_by_length=False))
    assert not isinstance(plain._get_train_sampler(), batching.GroupedSampler)


# --------------------------------------------------------------------------- prediction order

CASES = [("xnli", "classification"), ("udpos", "tagging"), ("xquad", "qa"), ("hellaswag", "multiple choice")]


def _raw(name: str, ctx: Any) -> tuple:
    task = (get_task(name) if name == "hellaswag" else target_task(name)).resolve(ctx)
    raw = read_split(task, ctx, "dev", "en")
    return task, raw.select(range(min(len(raw), 40)))


@pytest.mark.slow
@pytest.mark.parametrize("name,kind", CASES)
def test_sorted_prediction_keeps_every_row_aligned(name, kind, tiny, tokenizer, tmp_path, mini_ctx, monkeypatch) -> None:
    """Length-sorted prediction (less padding) gives each row the prediction the plain
    file-order pass gives it: same logits (to float noise), same labels."""
    task, raw = _raw(name, mini_ctx)
    hp = _hp()
    fmt = format_for(task)
    trainer = _trainer(task, tiny, tokenizer, tmp_path, raw, hp)
    encoded = fmt.encode_for_prediction(raw, tokenizer, task, hp)
    inputs = encoded.remove_columns([c for c in encoded.column_names if c not in ("input_ids", "attention_mask")])
    order = batching.length_order(inputs)
    assert order.tolist() != sorted(order.tolist())  # sorting really reorders these rows

    sorted_logits = batching.predict_in_order(trainer, inputs)
    sorted_prediction = fmt.predict(trainer, task, raw, hp, "en")
    monkeypatch.setattr(batching, "SORT_PREDICTIONS", False)
    plain_logits = batching.predict_in_order(trainer, inputs)
    plain_prediction = fmt.predict(trainer, task, raw, hp, "en")

    as_tuple = lambda x: x if isinstance(x, tuple) else (x,)  # noqa: E731  (QA: start and end logits)
    lengths = batching.feature_lengths(inputs)
    for got, want in zip(as_tuple(sorted_logits), as_tuple(plain_logits)):
        assert got.shape[0] == want.shape[0] == len(inputs)
        if kind in ("classification", "multiple choice"):
            np.testing.assert_allclose(got, want, atol=1e-5)
            continue
        for row, n in enumerate(lengths):  # per token: past a row's end lies padding, batch-dependent
            np.testing.assert_allclose(got[row, :n], want[row, :n], atol=1e-5)
    assert sorted_prediction.predicted == plain_prediction.predicted
    assert sorted_prediction.scores == plain_prediction.scores


# --------------------------------------------------------------------------- feature cache


def test_feature_cache_reuses_by_content_and_tells_settings_apart(tokenizer, tmp_path, mini_ctx, monkeypatch) -> None:
    task = target_task("udpos").resolve(mini_ctx)
    raw = read_split(task, mini_ctx, "dev", "en")
    fmt = format_for(task)
    calls = []
    original = type(fmt)._features
    monkeypatch.setattr(type(fmt), "_features", lambda self, *a, **k: calls.append(1) or original(self, *a, **k))
    fresh = fmt.encode_for_prediction(raw, tokenizer, task, _hp())
    first = fmt.encode_for_prediction(raw, tokenizer, task, _hp(), tmp_path)
    again = fmt.encode_for_prediction(datasets.Dataset.from_list(raw.to_list(), features=raw.features),  # equal rows,
                                      tokenizer, task, _hp(), tmp_path)                                    # another object
    assert len(calls) == 2  # in memory once, built into the cache once, then read back
    assert first.to_dict() == fresh.to_dict() == again.to_dict()
    fmt.encode_for_prediction(raw, tokenizer, task, _hp(max_length=32), tmp_path)  # another window
    fmt.encode_for_prediction(raw.select(range(10)), tokenizer, task, _hp(), tmp_path)  # other rows
    fmt.encode_for_training(raw, tokenizer, task, _hp(), tmp_path)  # other purpose
    fmt.encode_for_prediction(raw, tokenizer, task, _hp(tagging_piece="first_nonblank"), tmp_path)  # other rule
    assert len(calls) == 6
    entries = sorted(p for p in tmp_path.iterdir() if p.is_dir())
    assert len(entries) == 5 and all((p / features.MARKER).is_file() for p in entries)


def test_tokenizer_identity_is_its_content(tokenizer, tmp_path) -> None:
    """A phase-1 encoder saves its tokenizer again: its features are the pretrained model's; the
    truncation state a call leaves on the tokenizer is not part of it."""
    from transformers import AutoTokenizer

    before = features.tokenizer_fingerprint(tokenizer)
    tokenizer.save_pretrained(tmp_path / "copy")
    copy = AutoTokenizer.from_pretrained(tmp_path / "copy")
    copy(["a b c"] * 2, truncation=True, max_length=7)
    assert features.tokenizer_fingerprint(copy) == before
    other = AutoTokenizer.from_pretrained(tmp_path / "copy", padding_side="left")
    assert features.tokenizer_fingerprint(other) != before


def test_an_entry_without_its_marker_is_never_read(tokenizer, tmp_path, mini_ctx) -> None:
    """A build cut short leaves no complete-looking entry: readers rebuild instead."""
    task = target_task("xnli").resolve(mini_ctx)
    raw = read_split(task, mini_ctx, "dev", "en").select(range(12))
    fmt = format_for(task)
    built = fmt.encode_for_training(raw, tokenizer, task, _hp(), tmp_path).to_dict()
    (entry,) = [p for p in tmp_path.iterdir() if p.is_dir()]
    (entry / features.MARKER).unlink()
    for arrow in entry.glob("*.arrow"):
        arrow.write_bytes(b"half-written")
    rebuilt = fmt.encode_for_training(raw, tokenizer, task, _hp(), tmp_path)
    assert rebuilt.to_dict() == built and (entry / features.MARKER).is_file()


def _build_in_child(args: tuple) -> int:
    tiny, root = args
    from transformers import AutoTokenizer

    from omegaconf import OmegaConf

    from xtask.config import DataConfig
    from xtask.data.sources import DataContext

    ctx = DataContext.from_config(OmegaConf.structured(DataConfig))
    task = target_task("xquad").resolve(ctx)
    raw = read_split(task, ctx, "dev", "en")
    built = []
    import xtask.pipeline.formats.qa as qa

    real = qa.encode_windows
    qa.encode_windows = lambda *a, **k: built.append(1) or real(*a, **k)
    out = format_for(task).encode_for_prediction(raw, AutoTokenizer.from_pretrained(tiny), task, _hp(), Path(root))
    assert len(out) >= len(raw)
    return len(built)


@pytest.mark.slow
def test_parallel_jobs_build_an_entry_once(tiny, tmp_path) -> None:
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        builds = pool.map(_build_in_child, [(tiny, str(tmp_path))] * 2)
    assert sorted(builds) == [0, 1]  # one job built it, the other waited and read it
    assert len([p for p in tmp_path.iterdir() if p.is_dir()]) == 1


@pytest.mark.slow
def test_second_cell_encodes_nothing(run_cell_with, shared_cache, monkeypatch) -> None:
    from xtask.pipeline.formats.classification import ClassificationFormat

    calls = []
    original = ClassificationFormat.encode_train
    monkeypatch.setattr(ClassificationFormat, "encode_train", lambda self, *a, **k: calls.append(1) or original(self, *a, **k))
    cell = ("inter=none", "target=xnli", "target.languages=[en,de]", "seed=11")
    first = run_cell_with(*cell, "train.feature_cache=true")
    assert calls  # training, dev and evaluation sets (the training set may be cached by an earlier test)
    calls.clear()
    entries = shared_cache / features.SUBDIR
    files = {p: p.stat().st_mtime_ns for p in entries.rglob("*") if p.is_file()}
    second = run_cell_with(*cell, "train.target.lr=0.002")  # another cell, the same data
    assert calls == [] and second.action == "ran" and second.folder != first.folder
    # Readers never write into an entry (no datasets cache files beside the shared data).
    assert {p: p.stat().st_mtime_ns for p in entries.rglob("*") if p.is_file()} == files
    run_cell_with(*cell, "train.target.lr=0.003", "train.feature_cache=false")
    assert len(calls) == 4


# --------------------------------------------------------------------------- resume


@pytest.mark.slow
@pytest.mark.parametrize("group", [True, False])
def test_a_resumed_run_sees_the_same_batches(group, tiny, tokenizer, tmp_path, mini_ctx) -> None:
    """Preempted in its third epoch and resumed from the checkpoint, a phase trains on the
    batches an uninterrupted run trains on (grouped batches: their order depends on the seed
    and the epoch only)."""
    task = target_task("xnli").resolve(mini_ctx)
    train = read_split(get_task("mnli").resolve(mini_ctx), mini_ctx, "train", "en").select(range(48))
    hp = _hp(max_steps=14, batch_size=8, save_steps=13, group_by_length=group)  # 6 steps per epoch

    def run(resume: str | None) -> list:
        trainer = _trainer(task, tiny, tokenizer, tmp_path, train, hp)
        trainer.args.save_total_limit = None  # keep checkpoint-13 beside the final one
        seen: list = []
        trainer.model.register_forward_pre_hook(
            lambda module, args, kwargs: seen.append(kwargs["input_ids"].sum(-1).tolist()), with_kwargs=True)
        trainer.train(resume_from_checkpoint=resume)
        return seen

    uninterrupted = run(None)
    resumed = run(str(tmp_path / "trainer" / "checkpoint-13"))
    assert len(uninterrupted) == 14 and resumed == uninterrupted[13:]
    if group:  # and the batches really are grouped (lengths within a batch close together)
        assert uninterrupted[:6] != uninterrupted[6:12]


# --------------------------------------------------------------------------- knobs and identity


@pytest.mark.slow
def test_speed_knobs_never_change_a_cell_key_and_precision_does(compose) -> None:
    from xtask.pipeline.cell import plan_cell

    base = plan_cell(compose("target=xnli", "inter=mnli")).spec
    same = ["train.feature_cache=false", "train.dataloader_workers=4", "train.target.gradient_checkpointing=true",
            "train.target.fused_adamw=true", "train.target.compile=true", "train.inter.compile=true",
            "train.inter.gradient_checkpointing=true", "train.inter.fused_adamw=true", "train.cpu_threads=2"]
    spec = plan_cell(compose("target=xnli", "inter=mnli", *same)).spec
    assert (spec.key, spec.inter_key) == (base.key, base.inter_key)
    for override in ("train.target.group_by_length=false", "train.fp16=true", "train.tf32=true"):
        assert plan_cell(compose("target=xnli", "inter=mnli", override)).spec.key != base.key, override
    assert plan_cell(compose("target=xnli", "inter=mnli", "train.inter.group_by_length=false")).spec.inter_key != base.inter_key


@pytest.mark.parametrize("override,message", [
    (["train.fp16=true", "model.bf16=true"], "fp16 and bf16"),
    (["train.dataloader_workers=-1"], "train.dataloader_workers"),
])
def test_bad_knobs_are_refused(compose, override, message) -> None:
    from xtask.plan.validate import validate

    with pytest.raises(ConfigError, match=message):
        validate(compose(*override))


def test_gpu_knobs_apply_on_a_gpu_only() -> None:
    hp = _hp(gradient_checkpointing=True, fused_adamw=True, compile=True)
    knobs = TrainKnobs(bf16=True, tf32=True, dataloader_workers=2)
    on = speed_knobs(hp, knobs, on_gpu=True)
    assert on == {"bf16": True, "fp16": False, "tf32": True, "activation_checkpointing": True,
                  "optim": "adamw_torch_fused", "torch_compile": True, "dataloader_num_workers": 2}
    off = speed_knobs(hp, knobs, on_gpu=False)
    assert not any(off[k] for k in ("bf16", "fp16", "tf32", "activation_checkpointing", "torch_compile"))
    assert off["optim"] == "adamw_torch" and off["dataloader_num_workers"] == 2
    args = training_arguments(hp, Path("unused"), 1, knobs, "none", "x")  # this machine: CPU
    assert args.dataloader_num_workers == 2 and not args.bf16 and not args.torch_compile


def test_mixture_loaders_group_each_task(tokenizer, mini_ctx) -> None:
    from xtask.pipeline.multitask.training import task_loaders

    task = target_task("udpos").resolve(mini_ctx)
    fmt = format_for(task)
    encoded = {"udpos": fmt.encode_for_training(read_split(task, mini_ctx, "dev", "en"), tokenizer, task, _hp())}
    lengths = batching.feature_lengths(encoded["udpos"])

    def fraction(group: bool) -> float:
        loader = task_loaders(encoded, {"udpos": fmt.collator(tokenizer)}, _hp(group_by_length=group), seed=1)["udpos"]
        real = padded = 0
        for batch in loader:
            real += int(batch["attention_mask"].sum())
            padded += batch["attention_mask"].numel()
        return 1 - real / padded

    assert fraction(True) < fraction(False) / 2 and lengths.max() > 2 * lengths.min()


@pytest.mark.parametrize("target,micro,expected", [
    ("xnli", 32, (32, 1)), ("udpos", 8, (8, 4)), ("xquad", 8, (8, 2)), ("xquad", 32, (16, 1)),
])
def test_paper_recipe_reaches_xtreme_effective_batches(compose, target, micro, expected) -> None:
    from xtask.plan.resolve import resolve

    hp = resolve(compose("train=paper", f"target={target}", f"train.target.batch_size={micro}")).phase2.hp
    assert (hp.batch_size, hp.grad_accum) == expected


def test_an_effective_batch_must_split_into_micro_batches(compose) -> None:
    from xtask.plan.validate import validate

    with pytest.raises(ConfigError, match="target_effective_batch.qa"):
        validate(compose("train=paper", "target=xquad", "train.target.batch_size=12"))
    with pytest.raises(ConfigError, match="unknown task kind"):
        validate(compose("+train.target_effective_batch.qaa=16"))
