"""The shared intermediate-checkpoint cache: keys, reuse, rebuilds, and one builder at a time."""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from xtask.store import encoders as cache


def _key(cfg) -> str:
    from xtask.pipeline.cell import plan_cell

    return plan_cell(cfg).inter_key


@pytest.mark.slow
def test_key_ignores_the_target_but_not_the_intermediate_setup(compose) -> None:
    base = _key(compose("inter=mnli", "target=xnli"))
    assert _key(compose("inter=mnli", "target=pawsx")) == base
    assert _key(compose("inter=mnli", "target=xnli", "logger=wandb_offline")) == base
    assert _key(compose("inter=mnli", "seed=2")) != base
    assert _key(compose("inter=mnli", "train.inter.lr=0.01")) != base
    assert _key(compose("inter=sst2")) != base
    assert _key(compose("inter=mnli", "train.target.lr=0.01")) == base


def _build_counting(counter: Path, delay: float = 0.0):
    def build(out_dir: Path) -> dict:
        with open(counter, "a") as handle:
            handle.write(f"{os.getpid()}\n")
        time.sleep(delay)
        (out_dir / "encoder").mkdir(exist_ok=True)
        (out_dir / "encoder" / "model.safetensors").write_bytes(b"x" * 100)
        return {"task": "t"}

    return build


def test_built_once_then_reused_and_rebuilt_when_corrupt(tmp_path: Path) -> None:
    entry, counter = tmp_path / "intermediate" / "t-abc", tmp_path / "builds"
    first = cache.ensure(entry, _build_counting(counter))
    assert first.how == "built" and first.encoder_dir == entry / "encoder"
    assert cache.ensure(entry, _build_counting(counter)).how == "reused"
    assert counter.read_text().count("\n") == 1
    (entry / "encoder" / "model.safetensors").write_bytes(b"x" * 10)  # truncated file
    assert not cache.is_complete(entry)
    assert cache.ensure(entry, _build_counting(counter)).how == "rebuilt"
    assert counter.read_text().count("\n") == 2


def test_a_partial_build_never_looks_complete(tmp_path: Path) -> None:
    entry = tmp_path / "t-abc"

    def crash(out_dir: Path) -> dict:
        (out_dir / "encoder").mkdir()
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        cache.ensure(entry, crash)
    assert not entry.exists() and (tmp_path / "t-abc.partial" / "encoder").is_dir()
    assert not cache.is_complete(entry)
    assert cache.ensure(entry, _build_counting(tmp_path / "n")).how == "built"


def _worker(entry: str, counter: str, results: str) -> None:
    found = cache.ensure(Path(entry), _build_counting(Path(counter), delay=1.5), wait_log_s=0.2)
    with open(results, "a") as handle:
        handle.write(json.dumps({"how": found.how, "dir": str(found.encoder_dir)}) + "\n")


@pytest.mark.slow
def test_concurrent_jobs_build_exactly_once(tmp_path: Path) -> None:
    entry, counter, results = tmp_path / "t-abc", tmp_path / "builds", tmp_path / "results"
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_worker, args=(str(entry), str(counter), str(results))) for _ in range(3)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    assert counter.read_text().count("\n") == 1
    outcomes = [json.loads(line) for line in results.read_text().splitlines()]
    assert sorted(o["how"] for o in outcomes) == ["built", "waited", "waited"]
    assert {o["dir"] for o in outcomes} == {str(entry / "encoder")}


def test_a_dead_lock_holder_does_not_block_others(tmp_path: Path) -> None:
    entry = tmp_path / "t-abc"
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time; from filelock import FileLock; l = FileLock(sys.argv[1]); l.acquire(); "
         "print('locked', flush=True); time.sleep(600)", str(entry) + ".lock"],
        stdout=subprocess.PIPE, text=True,
    )
    assert holder.stdout.readline().strip() == "locked"
    holder.send_signal(signal.SIGKILL)  # the builder dies without releasing anything
    holder.wait(10)
    assert cache.ensure(entry, _build_counting(tmp_path / "n"), wait_log_s=0.2).how == "built"
