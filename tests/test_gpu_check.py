"""The prepared GPU check (bench/gpu_check.sh) runs in its CPU mode, as in CI: it prints every
figure it would print on a GPU, at tiny sizes, and says that the GPU parts were skipped."""

from __future__ import annotations

import pytest

import os
import subprocess
import sys

from conftest import REPO


@pytest.mark.slow
def test_the_gpu_check_runs_on_a_cpu_and_says_what_it_skipped(shared_cache) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHON": sys.executable}
    done = subprocess.run(["bash", "bench/gpu_check.sh", "--cpu", "--cache", str(shared_cache)], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr[-3000:]
    out = done.stdout
    assert "GPU parts skipped" in out
    for kind in ("classification", "tagging", "qa", "multiple choice"):
        assert f"training {kind}: " in out and "tokens/s" in out, kind
    assert "bytes written: tiny selection=best cell, 4 epochs" in out
    assert "0 checkpoint saves, 0 optimizer states" in out  # selection writes nothing (xtask/pipeline/checkpointing.py)
    assert "retrieval encoding: " in out and "sentences/s" in out
    assert "mining: n = m = 500, dim 64, torch on cpu" in out
    assert "{'eval_loss'" not in out  # the Trainer's log lines stay on stderr
