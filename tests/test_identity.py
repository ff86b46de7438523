"""Identities that survive upgrades: a phase's key hashes its own explicit, non-default inputs and
its results version; nothing else re-keys it. And the migration of a store written by xtask 0.1."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from xtask.pipeline.cell import plan_cell
from xtask.store import cells as store
from xtask.store import identity


def _keys(compose, *overrides: str):
    planned = plan_cell(compose(*overrides))
    return planned.spec.key, planned.inter_key, planned.folder


def test_a_new_plan_field_with_a_default_rekeys_nothing(compose) -> None:
    """A future release adds a field (with its default) to a phase's plan: every finished cell and
    every cached encoder keeps its key, while the field at another value re-keys."""
    from xtask.plan import identity as plan_identity
    from xtask.plan.cellplan import TrainPlan

    @dataclasses.dataclass(frozen=True)
    class Extended(TrainPlan):
        label_smoothing: float = 0.0  # a new knob, at its default

    planned = plan_cell(compose("inter=mnli", "target=xnli"))
    phase2 = planned.plan.phase2
    extended = dataclasses.replace(phase2, hp=Extended(**dataclasses.asdict(phase2.hp)))
    assert identity.digest(plan_identity.phase2_inputs(extended)) == planned.spec.key
    smoothed = dataclasses.replace(phase2, hp=dataclasses.replace(extended.hp, label_smoothing=0.1))
    assert identity.digest(plan_identity.phase2_inputs(smoothed)) != planned.spec.key


@pytest.mark.slow
def test_phase_one_settings_never_rekey_a_none_cell(compose) -> None:
    base = _keys(compose, "inter=none", "target=xnli")
    assert _keys(compose, "inter=none", "target=xnli", "train.inter.lr=0.5") == base
    assert _keys(compose, "inter=none", "target=xnli", "inter.mlm.share=0.2") == base
    assert _keys(compose, "inter=none", "target=xnli", "train.target.lr=0.5") != base


def test_keys_ignore_what_a_phase_does_not_read(compose) -> None:
    base = _keys(compose, "inter=mnli", "target=xnli")
    # Another task's Hub id: not read by this cell.
    assert _keys(compose, "inter=mnli", "target=xnli", "+data.hub={squad:{path:my/squad}}") == base
    # Logging, paths, threads, loader workers, the QA window of an XNLI cell's... nothing of it.
    assert _keys(compose, "inter=mnli", "target=xnli", "logger=none", "train.cpu_threads=1")[:2] == base[:2]
    assert _keys(compose, "inter=mnli", "target=xnli", "model.tiny.vocab_size=2000") != base  # the model itself
    # A Hub model's cells do not hash the tiny architecture.
    hub = _keys(compose, "model=xlmr_large", "inter=mnli", "target=xnli")
    assert _keys(compose, "model=xlmr_large", "inter=mnli", "target=xnli", "model.tiny.hidden_size=32") == hub
    # The intermediate encoder is the same for every target.
    assert _keys(compose, "inter=mnli", "target=pawsx")[1] == base[1]


def test_editing_one_hub_id_rekeys_only_what_reads_it(compose) -> None:
    squad_cell = _keys(compose, "data=hub", "model=xlmr_large", "inter=squad", "target=xnli")
    nli_cell = _keys(compose, "data=hub", "model=xlmr_large", "inter=mnli", "target=xnli")
    edited = ["data=hub", "model=xlmr_large", "+data.hub={squad:{path:mirror/squad}}"]
    assert _keys(compose, *edited, "inter=mnli", "target=xnli") == nli_cell
    assert _keys(compose, *edited, "inter=squad", "target=xnli")[1] != squad_cell[1]


@pytest.mark.slow
def test_a_new_results_version_makes_cells_stale(run_cell_with, monkeypatch, capsys) -> None:
    from xtask.cli import main as xtask_main

    done = run_cell_with("inter=none", "target=xnli", "target.languages=[en]")
    assert store.view(done.folder).state == store.State.done
    monkeypatch.setitem(identity.PHASE_VERSIONS, "target", identity.PHASE_VERSIONS["target"] + 1)
    view = store.view(done.folder)
    assert view.state == store.State.stale and "older results version" in view.problem
    again = run_cell_with("inter=none", "target=xnli", "target.languages=[en]")
    assert again.action == "skipped_stale" and again.folder == done.folder  # kept, not recomputed
    assert xtask_main(["status", str(done.folder.parent)]) == 0
    assert "stale" in capsys.readouterr().out
    redone = run_cell_with("inter=none", "target=xnli", "target.languages=[en]", "recompute_stale=true")
    assert redone.action == "ran" and store.view(done.folder).state == store.State.done


def test_a_store_written_by_xtask_0_1_is_migrated(tmp_path: Path, compose, capsys) -> None:
    """A finished 0.1 cell (folder keyed by the whole config, results.json with that config) is
    found by a relaunch after `xtask migrate`: same numbers, shown stale, not recomputed."""
    from xtask.cli import main as xtask_main

    outputs = tmp_path / "outputs"
    cfg = compose("inter=none", "target=xnli", "target.languages=[en,de]", outputs=outputs)
    from xtask.config import to_container

    resolved = to_container(cfg)
    for key in ("build", "revision", "retrieval_prefix"):  # fields 0.1 did not have
        resolved["model"].pop(key, None)
    resolved["train"]["target"].pop("max_query_length", None)
    resolved["data"]["hub"] = {"xnli": {"path": "facebook/xnli", "name": "{lang}", "splits": {"dev": "validation"}}}
    old = outputs / "cells" / "none__xnli__tiny__s1__0123456789"
    old.mkdir(parents=True)
    (old / "status.json").write_text(json.dumps({"state": "done", "time": 1.0, "attempts": 1}))
    (old / "results.json").write_text(json.dumps({
        "cell": {"model": "tiny", "inter": "none", "target": "xnli", "seed": 1, "signature": "0123456789"},
        "target": {"task": "xnli", "split": "dev", "metric": "accuracy", "languages": ["en", "de"],
                   "per_language": {"en": {"accuracy": 61.0, "n": 10}, "de": {"accuracy": 59.0, "n": 10}},
                   "averages": {"accuracy": 60.0}, "average": 60.0, "unlabelled_languages": []},
        "phases": {}, "timings": {"total_s": 5.0}, "versions": {"xtask": "0.1.0"}, "config": resolved,
    }))
    failed = outputs / "cells" / "mnli__xnli__tiny__s1__abcdef0123"
    failed.mkdir()
    (failed / "status.json").write_text(json.dumps({"state": "failed", "time": 1.0, "error": "boom"}))
    sweep = outputs / "multirun" / "2024-01-01_00-00-00_000001_old"
    (sweep / "0").mkdir(parents=True)
    (sweep / "0" / "cell.json").write_text(json.dumps({"cell_dir": str(old), "action": "ran"}))
    assert store.view(old).state == store.State.damaged  # unreadable by today's store before migrating

    assert xtask_main(["migrate", str(outputs)]) == 0
    out = capsys.readouterr().out
    assert "1 cell(s) migrated" in out and "left mnli__xnli__tiny__s1__abcdef0123: failed" in out
    planned = plan_cell(compose("inter=none", "target=xnli", "target.languages=[en,de]", outputs=outputs))
    assert planned.folder.is_dir() and not old.exists()
    view = store.view(planned.folder)
    assert view.state == store.State.stale and view.results.scores.average == 60.0
    assert view.results.scores.per_language["de"].metrics == {"accuracy": 59.0}
    # The old sweep's pointer follows the move; the relaunch skips the cell (kept, stale).
    assert store.read_pointer(sweep / "0")[0] == planned.folder
    from xtask.pipeline.cell import run_cell

    assert run_cell(compose("inter=none", "target=xnli", "target.languages=[en,de]", outputs=outputs)).action == "skipped_stale"


def test_a_split_read_twice_keys_every_language_it_reads(mini_ctx) -> None:
    """UDPOS evaluated on dev also selects its checkpoint on English dev: both reads of
    udpos/dev enter the key (the second once replaced the first, dropping de from it)."""
    from xtask.plan.resolve import data_identity

    both = data_identity(mini_ctx, [("udpos", "dev", ("de", "en")), ("udpos", "dev", ("en",))])
    assert both == data_identity(mini_ctx, [("udpos", "dev", ("de", "en"))])
    assert both != data_identity(mini_ctx, [("udpos", "dev", ("en",))])


def test_the_evaluation_languages_of_a_dev_evaluation_enter_the_cell_key(compose, tmp_path) -> None:
    import shutil

    from xtask.data.sources import BUNDLED_MINI_ROOT

    root = tmp_path / "download"
    shutil.copytree(BUNDLED_MINI_ROOT / "udpos", root / "udpos")
    spec = plan_cell(compose("inter=none", "target=udpos", "target.languages=[en,de]", "target.eval_split=dev",
                             "data=xtreme_dir", f"data.root={root}")).spec
    assert set(spec.inputs["data"]["udpos/dev"]["files"]) == {"en", "de"}
    # By content, not path: a copy of the same files is the same cell; an edited file is another.
    copy = tmp_path / "copy"
    shutil.copytree(root, copy)
    again = plan_cell(compose("inter=none", "target=udpos", "target.languages=[en,de]", "target.eval_split=dev",
                              "data=xtreme_dir", f"data.root={copy}")).spec
    assert again.key == spec.key
    edited = copy / "udpos" / "dev-de.tsv"
    edited.write_text(edited.read_text(encoding="utf-8").replace("NOUN", "PROPN", 1), encoding="utf-8")
    assert plan_cell(compose("inter=none", "target=udpos", "target.languages=[en,de]", "target.eval_split=dev",
                             "data=xtreme_dir", f"data.root={copy}")).spec.key != spec.key


def test_an_evaluation_sample_keys_tatoeba_but_not_bucc(compose) -> None:
    """Tatoeba scores a sample of its pairs under max_eval_examples (another number: another
    cell); BUCC always mines its whole corpus, so the cap must not split its cells."""
    tatoeba = _keys(compose, "inter=none", "target=tatoeba")[0]
    assert _keys(compose, "inter=none", "target=tatoeba", "train.target.max_eval_examples=50")[0] != tatoeba
    bucc = _keys(compose, "inter=none", "target=bucc2018")[0]
    assert _keys(compose, "inter=none", "target=bucc2018", "train.target.max_eval_examples=50")[0] == bucc


@pytest.mark.slow
def test_a_store_keyed_before_the_plan_is_migrated(run_cell_with, compose, capsys) -> None:
    """A cell written by xtask before keys were functions of the plan (records schema 2, another
    key) is re-keyed by `xtask migrate`: found by a relaunch, done (the same computation), never
    recomputed; a cell that asked for a model revision the old code did not honour turns stale."""
    from xtask.cli import main as xtask_main
    from xtask.store import records

    done = run_cell_with("inter=none", "target=xnli", "target.languages=[en]")
    spec = json.loads((done.folder / "spec.json").read_text())
    spec["schema"], spec["key"] = 2, "0ld0ld0ld0ld"
    (done.folder / "spec.json").write_text(json.dumps(spec))
    old = done.folder.with_name(done.folder.name.rsplit("__", 1)[0] + "__0ld0ld0ld0ld")
    done.folder.rename(old)
    assert xtask_main(["migrate", str(old.parent)]) == 0
    assert "1 cell(s) migrated" in capsys.readouterr().out
    assert not old.exists() and store.view(done.folder).state == store.State.done
    assert records.read_spec(done.folder).schema == records.SCHEMA
    again = run_cell_with("inter=none", "target=xnli", "target.languages=[en]")
    assert again.action == "skipped" and again.folder == done.folder
