"""Weights & Biases tracking: offline runs with deterministic ids and the cell's summary, and a
W&B that cannot be reached never fails a cell."""

from __future__ import annotations

from pathlib import Path

import pytest

from wandb_records import finished_run_files, run_record, summary

pytestmark = pytest.mark.slow

CELL = ["inter=mnli", "target=xnli", "target.languages=[en,de]", "sweep_name=trk"]


def _run_files(outputs: Path, suffix: str) -> list:
    return finished_run_files(outputs / "wandb", f"wandb/offline-run-*-{suffix}/run-*.wandb")


def test_offline_runs_per_phase_with_summary(run_cell_with, tmp_path: Path) -> None:
    own_cache = f"paths.cache={tmp_path / 'cache'}"  # the intermediate encoder must be built here
    results = run_cell_with(*CELL, "logger=wandb_offline", own_cache)
    outputs = tmp_path / "outputs"
    sig = results.results.key
    (target_file,) = _run_files(outputs, f"{sig}-target")
    (inter_file,) = _run_files(outputs, "inter-mnli-*")
    values = summary(target_file)
    for lang in ("en", "de"):
        assert values[f"per_language/{lang}/accuracy"] == pytest.approx(results.results.scores.per_language[lang].metrics["accuracy"])
    assert values["target/average"] == pytest.approx(results.results.scores.average)
    run = run_record(target_file)
    assert run.run_id == f"{sig}-target" and run.run_group == "trk" and run.job_type == "target"
    assert {"inter:mnli", "target:xnli", "seed:1", "model:tiny"} <= set(run.tags)
    assert run_record(inter_file).job_type == "inter"
    # The same cell again (e.g. a requeued job) logs into the same run id.
    run_cell_with(*CELL, "logger=wandb_offline", "force=true", own_cache)
    ids = {run_record(f).run_id for f in _run_files(outputs, f"{sig}-target")}
    assert ids == {f"{sig}-target"}


def test_unreachable_wandb_falls_back_to_offline(run_cell_with, tmp_path: Path, monkeypatch, caplog) -> None:
    from xtask import tracking

    monkeypatch.setattr(tracking, "_offline_reason", None)
    monkeypatch.setattr(tracking, "_probed", {})
    monkeypatch.setenv("WANDB_API_KEY", "x" * 40)
    monkeypatch.delenv("WANDB_MODE", raising=False)
    results = run_cell_with(
        *CELL, "inter=none", "logger=wandb", "logger.mode=online",
        "logger.base_url=http://127.0.0.1:9", "logger.init_timeout=4",
    )
    assert results.action == "ran"
    assert _run_files(tmp_path / "outputs", f"{results.results.key}-target")
    assert "W&B online is not available (http://127.0.0.1:9 unreachable" in caplog.text


def test_the_sweep_report_becomes_one_wandb_run(compose, tmp_path: Path) -> None:
    """The multirun end logs the aggregate as a run of job type ``report``: tables, both
    heatmaps, and the best-per-target numbers in its summary; the same sweep, the same run."""
    from cellfactory import make_cell
    from xtask import tracking
    from xtask.report import aggregate, collect

    cells = tmp_path / "cells"
    for inter, score in (("none", 40.0), ("mnli", 46.0)):
        make_cell(cells, inter, "xnli", 1, per_language={"en": {"accuracy": score}})
    sweep_dir = tmp_path / "sweep"
    reports = aggregate.run(collect.load_long([cells])[0], sweep_dir, all_targets=False)
    cfg = compose("logger=wandb_offline", "sweep_name=rep")
    for _ in range(2):
        tracking.log_report(cfg, sweep_dir, reports)
    files = finished_run_files(tmp_path / "outputs" / "wandb", "wandb/offline-run-*-report-*/run-*.wandb")
    assert len(files) == 2 and len({run_record(f).run_id for f in files}) == 1
    run = run_record(files[-1])
    assert run.job_type == "report" and run.run_group == "rep"
    values = summary(files[-1])
    assert values["delta_matrix/_type"] == "table-file" and values["delta_heatmap/_type"] == "image-file"
    assert values["score_heatmap/width"] > 0 and values["transfer_matrix/ncols"] == 3  # inter, xnli, avg
    assert "best_per_target/gain" in values  # null here: a gain needs all nine targets
    run_dir = files[-1].parent
    assert list(run_dir.glob("files/media/images/delta_heatmap_*.png"))
    (table,) = run_dir.glob("files/media/table/delta_matrix_*.table.json")
    import json

    data = json.loads(table.read_text())
    rows = {row[0]: row[1] for row in data["data"]}
    assert data["columns"][:2] == ["inter", "xnli"] and rows["mnli"] == pytest.approx(6.0)


def test_log_settings_of_a_sweeps_config_skip_hydras_node() -> None:
    """At a sweep's end the callback holds the composed config with Hydra's node, which does not
    resolve outside a job (hydra.job.num): the logging settings are read from the rest."""
    from hydra import compose, initialize_config_dir

    from xtask.config import register_configs
    from xtask.tracking import settings_of

    register_configs()
    with initialize_config_dir(config_dir=str(Path(__file__).resolve().parents[1] / "conf"), version_base="1.3"):
        cfg = compose(config_name="config", overrides=["logger=wandb", "sweep_name=grid"], return_hydra_config=True)
    settings = settings_of(cfg)
    assert settings.sweep_name == "grid" and settings.logger["backend"] == "wandb" and "hydra" not in settings.config
