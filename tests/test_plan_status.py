"""`xtask plan` (what a launch would do) and `xtask status` (what a sweep is doing)."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import TINY_BUDGET
from xtask.ops import plan as planner
from xtask.atomic import write_json_atomic
from xtask.cli import main as xtask_main
from xtask.ops.status import PLAN_FILE, collect


def test_expand_matches_hydras_cartesian_product() -> None:
    jobs = planner.expand(["inter=none,mnli", "target=xnli", "seed=1,2"])
    assert sorted(tuple(sorted(j)) for j in jobs) == sorted(
        tuple(sorted(["target=xnli", f"inter={i}", f"seed={s}"])) for i in ("none", "mnli") for s in ("1", "2")
    )
    assert len(planner.expand(["+sweep=demo"])) == 4
    # The command line wins over the sweep's params, single values included (as in Hydra).
    narrowed = planner.expand(["+sweep=demo", "seed=1"])
    assert len(narrowed) == 2 and all("seed=1" in job for job in narrowed)


def test_fast_composition_gives_the_same_cells(tmp_path: Path, compose) -> None:
    from xtask.config import to_container
    from xtask.store.identity import cell_dir

    overrides = ["inter=mnli,sst2", "target=xnli", "seed=1,2", "train.target.lr=0.002", f"paths.outputs={tmp_path}"]
    cells = planner.plan(overrides)
    for cell in cells:
        direct = compose(*cell.overrides, outputs=tmp_path)
        assert cell.cell_dir == cell_dir(to_container(direct))


def test_paper_sweep_deduplicates_intermediate_trainings(tmp_path: Path) -> None:
    cells = planner.plan(["+sweep=paper", "model=xlmr_large", f"paths.outputs={tmp_path}"])
    summary = planner.summarize(cells, planner.load_costs())
    assert summary["cells"] == 13 * 9 * 3
    # 12 intermediate settings (all but none) x 3 seeds, instead of one per cell.
    assert summary["intermediate_trainings"] == 12 * 3
    assert summary["intermediate_without_cache"] == 12 * 9 * 3
    assert summary["gpu_hours"]["total"] > 0


@pytest.mark.slow
def test_plan_sees_done_cells_and_cached_encoders(tmp_path: Path, run_cell_with, capsys) -> None:
    cache = tmp_path / "own-cache"  # not the session's: no encoder may be cached before this test
    grid = ["inter=mnli", "target=xnli,pawsx", "seed=1", f"paths.outputs={tmp_path / 'outputs'}",
            f"paths.cache={cache}", *TINY_BUDGET]
    before = planner.summarize(planner.plan(grid), planner.load_costs())
    assert before["to_run"] == 2 and before["intermediate_trainings"] == 1
    run_cell_with("inter=mnli", "target=xnli", "seed=1", f"paths.cache={cache}")
    after = planner.summarize(planner.plan(grid), planner.load_costs())
    assert after["by_state"] == {"done": 1, "pending": 1}
    assert after["intermediate_trainings"] == 0 and after["intermediate_cached"] == 1
    assert xtask_main(["plan", *grid]) == 0
    assert "1 done, 1 pending" in capsys.readouterr().out


def _cell(root: Path, name: str, state: str, **extra) -> Path:
    folder = root / name
    write_json_atomic(folder / "status.json", {"state": state, **extra})
    return folder


def test_status_table_and_exit_code(tmp_path: Path, capsys) -> None:
    cells = tmp_path / "cells"
    done = _cell(cells, "none__xnli__tiny__s1__a", "done")
    write_json_atomic(done / "results.json", {"target": {"average": 61.5}})
    failed = _cell(cells, "mnli__xnli__tiny__s1__b", "failed", error="Traceback...\nValueError: bad line 7",
                   slurm_job="41_1", attempts=2)
    pending = cells / "sst2__xnli__tiny__s1__c"
    sweep = tmp_path / "sweep"
    write_json_atomic(sweep / PLAN_FILE, {"cells": [str(done), str(failed), str(pending)]})
    write_json_atomic(sweep / "0" / "cell.json", {"cell_dir": str(done), "action": "skipped"})
    rows = {r.name: r for r in collect(sweep)}
    assert rows[done.name].state == "done" and rows[done.name].score == 61.5
    assert rows[failed.name].error == "ValueError: bad line 7" and rows[failed.name].job == "41_1"
    assert rows[pending.name].state == "pending"
    assert xtask_main(["status", str(sweep)]) == 1
    out = capsys.readouterr().out
    assert "skipped (done before)" in out and "1 done, 1 failed, 1 pending (3 cells)" in out
    (failed / "status.json").unlink()
    assert xtask_main(["status", str(cells)]) == 0


def test_running_cell_whose_process_is_gone_is_lost(tmp_path: Path) -> None:
    import platform

    _cell(tmp_path, "none__xnli__tiny__s1__x", "running", host=platform.node(), pid=2**22 + 12345)
    (row,) = collect(tmp_path)
    assert row.state == "lost"


def _timed_cell(root: Path, inter: str, target: str, seed: int, inter_s: float, target_s: float, eval_s: float,
                built: bool = True, model: str = "xlmr_large") -> None:
    phases = {"inter": {"cache": "built" if built else "cached"}} if inter != "none" else {}
    folder = root / f"{inter}__{target}__{model}__s{seed}__t"
    write_json_atomic(folder / "results.json", {
        "cell": {"model": model, "inter": inter, "target": target, "seed": seed},
        "target": {"average": 50.0}, "phases": phases,
        "timings": {"inter_s": inter_s if built else 0.0, "target_s": target_s, "eval_s": eval_s},
    })
    write_json_atomic(folder / "status.json", {"state": "done"})


def test_costs_are_medians_of_measured_jobs_and_price_a_plan(tmp_path: Path, capsys) -> None:
    """Three mnli trainings of 2, 3 and 10 hours -> median 3; a cell that took its encoder from
    the cache adds no intermediate time; target time = phase 2 + evaluation."""
    import yaml

    from xtask.ops import costs

    cells = tmp_path / "cells"
    hour = 3600.0
    for seed, inter_h in ((1, 2.0), (2, 3.0), (3, 10.0)):
        _timed_cell(cells, "mnli", "xnli", seed, inter_h * hour, 1.5 * hour, 0.5 * hour)
    _timed_cell(cells, "mnli", "pawsx", 1, 0.0, 0.2 * hour, 0.05 * hour, built=False)
    _timed_cell(cells, "none", "pawsx", 1, 0.0, 0.3 * hour, 0.05 * hour)
    _timed_cell(cells, "mnli", "xnli", 9, 99 * hour, 99 * hour, 0.0, model="xlmr_base")  # another model
    out = tmp_path / "costs.yaml"
    assert xtask_main(["costs", str(cells)]) == 2  # two models: which one?
    assert "xlmr_base, xlmr_large" in capsys.readouterr().err
    assert xtask_main(["costs", str(cells), "--model", "xlmr_large", "--out", str(out)]) == 0
    assert "inter   mnli               3    3.0000" in capsys.readouterr().out
    measured = yaml.safe_load(out.read_text())
    assert measured["inter"] == {"mnli": 3.0, "default": 3.0}
    assert measured["target"]["xnli"] == pytest.approx(2.0) and measured["target"]["pawsx"] == pytest.approx(0.3)
    assert measured["model_scale"] == {"xlmr_large": 1.0}
    # The file prices a grid: 2 mnli trainings (seeds 1, 2) x 3 h + 4 cells x 2 h (default for
    # targets the pilot did not run = median of xnli 2.0 and pawsx 0.3 = 1.15 for tatoeba).
    grid = ["inter=mnli", "target=xnli,tatoeba", "seed=1,2", "model=xlmr_large", f"paths.outputs={tmp_path / 'o'}"]
    summary = planner.summarize(planner.plan(grid), planner.load_costs(out))
    assert summary["gpu_hours"]["intermediate"] == pytest.approx(6.0)
    assert summary["gpu_hours"]["target"] == pytest.approx(2 * 2.0 + 2 * 1.15)
    assert costs.models_in([tmp_path / "nothing"]) == []


@pytest.mark.slow
@pytest.mark.parametrize("args,task,run_steps", [
    (["target=xnli"], "xnli", 2 * 75),  # the mini MNLI train set: 2400 examples / batch 32 x 2 epochs
    (["target=udpos", "train.target.batch_size=8", "train.target.max_steps=7"], "udpos", 7),
    (["inter=hellaswag", "--phase", "inter"], "hellaswag", 2 * 13),  # 400 examples, 4 endings each
    (["target=pawsx", "train.target.max_train_examples=100", "train.target.epochs=3"], "pawsx", 3 * 4),  # capped
])
def test_bench_prints_and_writes_figures(args, task: str, run_steps: int, tmp_path: Path, shared_cache, capsys) -> None:
    """A benchmark, not a timing test: it runs, its figures are positive, the step count of a run
    of the phase follows from the data size and the train config."""
    import json

    out = tmp_path / "bench.json"
    assert xtask_main(["bench", *args, f"paths.cache={shared_cache}", "--steps", "2", "--warmup", "1",
                       "--json", str(out)]) == 0
    figures = json.loads(out.read_text())
    assert figures["task"] == task and figures["run_steps"] == run_steps
    assert figures["steps_per_s"] > 0 and figures["tokens_per_s"] > 0
    assert figures["peak_memory_full_window_mb"] >= figures["peak_memory_mb"] > 0
    assert f"task {task}, model tiny" in capsys.readouterr().out


def test_bench_refuses_what_does_not_train(capsys) -> None:
    with pytest.raises(SystemExit, match="tatoeba does not train"):
        xtask_main(["bench", "target=tatoeba"])
    assert xtask_main(["bench", "target=xnli", "data=xtreme_dir", "data.root=/nonexistent"]) == 1
    assert "file not found: /nonexistent/" in capsys.readouterr().err


def test_plan_checks_the_data_a_grid_needs_before_it_launches(tmp_path: Path, capsys) -> None:
    """--check-data reads each distinct need once: here XTREME's layout with only the mini
    files, so XNLI lacks 6 languages and MNLI's training file is not there; the bundled mini
    data has everything the same grid needs."""
    from xtask.data.sources import BUNDLED_MINI_ROOT

    grid = ["inter=none,mnli", "target=xnli,udpos", f"paths.outputs={tmp_path}"]
    assert xtask_main(["plan", *grid, "--check-data"]) == 0
    assert "data:                    5 of 5 data checks passed" in capsys.readouterr().out
    assert xtask_main(["plan", *grid, "data=xtreme_dir", f"data.root={BUNDLED_MINI_ROOT}", "--check-data"]) == 1
    out = capsys.readouterr().out
    assert "1 of 5 data checks passed" in out
    assert "missing: target xnli: no dev data for 6 of its 15 evaluation languages (bg, el, sw, tr, ur, vi)" in out
    assert out.count("mnli train: file not found") == 1  # two checks, one file: said once
    _, problems = planner.check_data(planner.plan([*grid, "target.languages=[xx]"]))
    assert any("has no language(s) ['xx']" in p for p in problems)
