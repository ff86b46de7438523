"""`xtask plan` (what a launch would do) and `xtask status` (what a sweep is doing)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cellfactory import make_cell
from conftest import TINY_BUDGET
from xtask.cli import main as xtask_main
from xtask.ops import plan as planner
from xtask.ops.status import collect
from xtask.store import cells as store


def test_expand_matches_hydras_cartesian_product() -> None:
    jobs = planner.expand(["inter=none,mnli", "target=xnli", "seed=1,2"])
    assert sorted(tuple(sorted(j)) for j in jobs) == sorted(
        tuple(sorted(["target=xnli", f"inter={i}", f"seed={s}"])) for i in ("none", "mnli") for s in ("1", "2")
    )
    assert len(planner.expand(["+sweep=demo"])) == 4
    # The command line wins over the sweep's params, single values included (as in Hydra).
    narrowed = planner.expand(["+sweep=demo", "seed=1"])
    assert len(narrowed) == 2 and all("seed=1" in job for job in narrowed)


def _same_as_composed(cells, compose, tmp_path: Path) -> None:
    """Each planned cell is what plan_cell makes of the job's own composition: the same spec
    (key, inputs, config), folder, languages; and its ``cfg`` is that composition."""
    import dataclasses

    from omegaconf import OmegaConf

    from xtask.pipeline.cell import plan_cell

    def spec(planned):
        return {k: v for k, v in dataclasses.asdict(planned.spec).items() if k != "created"}

    for cell in cells:
        direct = compose(*cell.overrides, outputs=tmp_path)
        expected = plan_cell(direct)
        assert (cell.folder, spec(cell.planned)) == (expected.folder, spec(expected))
        assert (cell.planned.languages, cell.planned.left_out, cell.planned.inter_key) == (
            expected.languages, expected.left_out, expected.inter_key)
        assert OmegaConf.to_container(cell.cfg) == OmegaConf.to_container(direct)


@pytest.mark.slow
def test_fast_composition_gives_the_same_cells(tmp_path: Path, compose, shared_cache: Path) -> None:
    """Group choices combined from single compositions, plain values (an int on a float field,
    a list) set on a resolved copy, a value an interpolation reads (paths.outputs), a named sweep."""
    paths = [f"paths.outputs={tmp_path}", f"paths.cache={shared_cache}"]  # as the compose fixture sets them
    overrides = ["inter=mnli,sst2", "target=xnli", "seed=1,2", "train.target.lr=0.002", *paths]
    cells = planner.plan(overrides)
    assert len({cell.folder for cell in cells}) == 4
    _same_as_composed(cells, compose, tmp_path)
    grid = ["+sweep=demo", "target=xquad,tatoeba", "model=tiny,tiny_bert", "train.target.lr=1",
            "train.inter.max_steps=5,6", "target.languages=[de,zh]", *paths]
    cells = planner.plan(grid)
    # none cells ignore train.inter (8 folders fewer); none -> tatoeba trains nothing and samples
    # nothing, so it ignores the seed too (its 2 seeds are one computation: 2 folders fewer).
    assert len({cell.folder for cell in cells}) == 2 * 2 * 2 * 2 * 2 - 2 * 2 * 2 - 2
    assert {cell.cfg.train.target.lr for cell in cells} == {1.0}
    _same_as_composed(cells[::3], compose, tmp_path)
    cells = planner.plan(["inter=multitask", "inter.mlm.share=0.25", "inter.tasks=[mnli,sst2]", "target=udpos",
                          "seed=3", *paths])
    _same_as_composed(cells, compose, tmp_path)


def test_flat_groups_are_the_ones_whose_options_set_only_their_subtree() -> None:
    groups = planner._flat_groups()
    assert {"model", "inter", "target", "data", "train", "logger"} <= groups
    assert not groups & {"sweep", "hydra"}  # sweep files are @package _global_


@pytest.mark.slow
def test_paper_sweep_deduplicates_intermediate_trainings(tmp_path: Path) -> None:
    cells = planner.plan(["+sweep=paper", "model=xlmr_large", f"paths.outputs={tmp_path}"])
    summary = planner.summarize(cells, planner.load_costs())
    assert summary["cells"] == 13 * 9 * 3
    # 12 intermediate settings (all but none) x 3 seeds, instead of one per cell.
    assert summary["intermediate_trainings"] == 12 * 3
    assert summary["intermediate_without_cache"] == 12 * 9 * 3
    assert summary["gpu_hours"]["total"] > 0


@pytest.mark.slow
def test_a_model_without_costs_gets_no_estimate(tmp_path: Path, capsys) -> None:
    """Priced with another model's costs, a grid's GPU-hours would be a wrong number: none instead."""
    folder = tmp_path / "some_folder"  # a local model folder (planning reads its config.json only)
    folder.mkdir()
    (folder / "config.json").write_text("{}")
    cells = planner.plan(["inter=mnli", "target=xnli", "model=xlmr_large", "model.name=my_local_model",
                          f"model.pretrained={folder}", f"paths.outputs={tmp_path}"])
    summary = planner.summarize(cells, planner.load_costs())
    assert summary["gpu_hours"] is None and summary["unpriced"] == ["my_local_model"]
    assert xtask_main(["plan", "inter=mnli", "target=xnli", "model.name=my_local_model",
                       f"model.pretrained={folder}", f"paths.outputs={tmp_path}"]) == 0
    assert "none: conf/costs.yaml has no costs for model(s) my_local_model" in capsys.readouterr().out


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


def test_status_table_and_exit_code(tmp_path: Path, capsys) -> None:
    cells = tmp_path / "cells"
    done = make_cell(cells, "none", "xnli", 1, 61.5)
    failed = make_cell(cells, "mnli", "xnli", 1, state="failed", error="Traceback...\nValueError: bad line 7")
    pending = cells / "sst2__xnli__tiny__s1__c"
    sweep = tmp_path / "sweep"
    store.write_plan(sweep, [done, failed, pending])
    store.write_pointer(sweep / "0", done, "skipped")
    rows = {r.name: r for r in collect(sweep)}
    assert rows[done.name].state == "done" and rows[done.name].score == pytest.approx(61.5)
    assert rows[failed.name].note.startswith("ValueError: bad line 7 [input: skipped by relaunches")
    assert rows[pending.name].state == "pending"
    assert xtask_main(["status", str(sweep)]) == 1
    out = capsys.readouterr().out
    assert "skipped (done before)" in out and "1 done, 1 failed, 1 pending (3 cells)" in out
    (failed / "status.json").unlink()
    assert xtask_main(["status", str(cells)]) == 0


def test_running_cell_whose_job_is_gone_is_lost_and_a_held_one_running(tmp_path: Path) -> None:
    cell = make_cell(tmp_path, "none", "xnli", 1, state="running")
    (row,) = collect(tmp_path)
    assert row.state == "lost" and "a relaunch resumes it" in row.note
    lock = store.CellLock(cell)
    lock.acquire(wait=False)
    try:
        (row,) = collect(tmp_path)
        assert row.state == "running"
    finally:
        lock.release()


def test_damaged_records_are_reported_by_name_and_not_done(tmp_path: Path, capsys) -> None:
    """A truncated results.json or a status.json holding null / a list: status lists every cell
    (no traceback), names the damaged file, and exits 1."""
    cells = tmp_path / "cells"
    truncated = make_cell(cells, "none", "xnli", 1, 60.0)
    text = (truncated / "results.json").read_text()
    (truncated / "results.json").write_text(text[: len(text) // 2])
    null = make_cell(cells, "none", "xnli", 2, 60.0)
    (null / "status.json").write_text("null\n")
    listed = make_cell(cells, "none", "xnli", 3, 60.0)
    (listed / "status.json").write_text("[1, 2]\n")
    fine = make_cell(cells, "none", "xnli", 4, 60.0)
    rows = {r.name: r for r in collect(cells)}
    assert rows[truncated.name].state == "damaged" and "results.json is damaged (not valid JSON" in rows[truncated.name].note
    assert rows[null.name].state == "damaged" and "status.json is damaged (holds a JSON NoneType" in rows[null.name].note
    assert rows[listed.name].state == "damaged" and "holds a JSON list" in rows[listed.name].note
    assert rows[fine.name].state == "done"
    assert xtask_main(["status", str(cells)]) == 1
    assert "3 damaged, 1 done" in capsys.readouterr().out


def _timed_cell(root: Path, inter: str, target: str, seed: int, inter_s: float, target_s: float, eval_s: float,
                built: bool = True, model: str = "xlmr_large") -> None:
    from xtask.store import records

    folder = make_cell(root, inter, target, seed, 50.0, model=model)
    results = records.read_results(folder)
    results.phases = {"inter": {"cache": "built" if built else "reused"}} if inter != "none" else {}
    results.timings = {"inter_s": inter_s if built else 0.0, "target_s": target_s, "eval_s": eval_s}
    store.write_results(folder, results)


@pytest.mark.slow
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


def test_bench_times_the_step_a_run_takes_with_frozen_embeddings(tmp_path: Path, shared_cache, capsys) -> None:
    """train.*.freeze_embeddings (real_cpu's setting) leaves the embedding matrix out of the
    backward pass and AdamW: the benchmark must time that step, not the whole model's."""
    import json

    from xtask.models.tiny import TinyArchitecture, ensure_tiny_model
    from transformers import AutoModel

    out = tmp_path / "bench.json"
    assert xtask_main(["bench", "target=xnli", "train.target.freeze_embeddings=true", f"paths.cache={shared_cache}",
                       "--steps", "2", "--warmup", "1", "--json", str(out)]) == 0
    figures = json.loads(out.read_text())
    embeddings = AutoModel.from_pretrained(ensure_tiny_model(TinyArchitecture(), shared_cache)).get_input_embeddings()
    assert figures["trained_parameters"] == figures["parameters"] - embeddings.weight.numel()
    assert "M trained)" in capsys.readouterr().out


def test_bench_refuses_what_does_not_train(capsys) -> None:
    with pytest.raises(SystemExit, match="tatoeba does not train"):
        xtask_main(["bench", "target=tatoeba"])
    assert xtask_main(["bench", "target=xnli", "data=xtreme_dir", "data.root=/nonexistent"]) == 1
    assert "file not found: /nonexistent/" in capsys.readouterr().err


@pytest.mark.slow
def test_plan_checks_the_data_a_grid_needs_before_it_launches(tmp_path: Path, capsys) -> None:
    """--check-data reads each distinct need once: here XTREME's layout with only the mini
    files, so XNLI lacks 6 languages and MNLI's training file is not there; the bundled mini
    data has everything the same grid needs."""
    from xtask.data.sources import BUNDLED_MINI_ROOT

    grid = ["inter=none,mnli", "target=xnli,udpos", f"paths.outputs={tmp_path}"]
    assert xtask_main(["plan", *grid, "--check-data"]) == 0
    out = capsys.readouterr().out
    assert "without a problem" in out and "problem:" not in out
    assert xtask_main(["plan", *grid, "data=xtreme_dir", f"data.root={BUNDLED_MINI_ROOT}", "--check-data"]) == 1
    out = capsys.readouterr().out
    for lang in ("bg", "el", "sw", "tr", "ur", "vi"):
        assert f"problem: xnli dev {lang}: file not found" in out
    assert out.count("xnli/train-en.tsv") == 1  # MNLI's training file: read once, said once


@pytest.mark.slow
def test_plan_check_data_lists_malformed_lines(tmp_path: Path, capsys) -> None:
    """Every malformed file is listed (file and line), not just the first; no traceback."""
    root = tmp_path / "download"
    (root / "xnli").mkdir(parents=True)
    (root / "xnli" / "train-en.tsv").write_text("P\tH\tentailment\nP2\tH2\tmaybe\n")
    (root / "xnli" / "dev-en.tsv").write_text("P\tH\tneutral\nonly one column\n")
    (root / "xnli" / "dev-de.tsv").write_text("")
    grid = ["target=xnli", "target.languages=[en,de]", "data=xtreme_dir", f"data.root={root}", f"paths.outputs={tmp_path}"]
    assert xtask_main(["plan", *grid, "--check-data"]) == 1
    out = capsys.readouterr().out
    assert "train-en.tsv:2: unknown label 'maybe'" in out
    assert "dev-en.tsv:2: expected 3 tab-separated columns" in out
    assert "dev-de.tsv: no examples" in out
    assert xtask_main(["plan", "target.languages=[en,xx]", f"paths.outputs={tmp_path}"]) == 2
    assert "xnli has no language(s) ['xx']" in capsys.readouterr().err


def test_real_paths_resolve_like_path_resolve(tmp_path: Path, monkeypatch) -> None:
    """The store's memoised resolver gives Path.resolve()'s answer: symlinked folders followed
    before `..`, missing parts kept, relative paths from the working folder."""
    (tmp_path / "real" / "cells" / "a").mkdir(parents=True)
    (tmp_path / "link").symlink_to(tmp_path / "real" / "cells")
    (tmp_path / "real" / "cells" / "b").symlink_to(tmp_path / "real" / "cells" / "a")
    monkeypatch.chdir(tmp_path / "real")
    resolve = store.RealPaths()
    for path in [tmp_path / "link" / "a", tmp_path / "link" / ".." / "cells" / "b", tmp_path / "link" / "missing" / "..",
                 tmp_path / "real" / "." / "cells" / "b" / ".." / "x", Path("cells/b/../a"), Path("../link/b"), Path("/")]:
        assert resolve(path) == path.resolve(), path
        assert resolve(str(path)) == path.resolve(), path


def test_planning_remembers_a_missing_file_once_but_not_a_failed_context() -> None:
    """While planning, a file lookup that failed is not repeated for every cell that needs it;
    a lookup keyed by an object's id is never remembered as failed (the id could be reused)."""
    from xtask.data.sources import MissingDataError, remembered, remembering_files

    calls = []

    def lookup() -> None:
        calls.append(1)
        raise MissingDataError("xnli dev de: file not found")

    with remembering_files():
        for _ in range(3):
            with pytest.raises(MissingDataError, match="file not found"):
                remembered(("file", "xnli", "dev", "de"), lookup, missing=True)
        assert len(calls) == 1
        for _ in range(2):
            with pytest.raises(MissingDataError):
                remembered(("context", 12345), lookup)
        assert len(calls) == 3


def test_planning_remembers_per_object_and_keeps_the_object_alive() -> None:
    """Results keyed by a read-only config object's id: computed once per object, and the object
    is held with its result, so a new object can never inherit a freed one's id and result."""
    import gc

    from xtask.config import plain_config
    from xtask.data.sources import remembered_for, remembering_files

    calls = []
    with remembering_files():
        first = plain_config({"source": "mini"})
        for _ in range(2):
            assert remembered_for(first, ("context",), lambda: calls.append(1) or len(calls)) == 1
        first_id = id(first)
        del first
        gc.collect()
        second = plain_config({"source": "mini"})
        assert id(second) != first_id  # the first is still held: its id cannot be reused
        assert remembered_for(second, ("context",), lambda: calls.append(1) or len(calls)) == 2
