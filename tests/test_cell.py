"""One grid cell end to end with the tiny model on the bundled mini data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from xtask.data.sources import MINI_LANGUAGES
from xtask.pipeline.formats.classification import ClassificationFormat
from xtask.tasks.nli import NLI_LABELS

pytestmark = pytest.mark.slow


def test_cell_reports_a_metric_per_language(run_cell_with) -> None:
    from xtask.store import records

    outcome = run_cell_with("inter=none", "target=xnli", "seed=3")
    scores = outcome.results.scores
    assert scores.languages == [lang for lang in scores.languages if lang in MINI_LANGUAGES]
    assert set(scores.per_language) == set(MINI_LANGUAGES)
    for lang, language in scores.per_language.items():
        assert 0.0 <= language.metrics["accuracy"] <= 100.0 and language.n == 24, lang
    mean = sum(s.metrics["accuracy"] for s in scores.per_language.values()) / len(MINI_LANGUAGES)
    assert scores.average == pytest.approx(mean) and scores.score_name == "accuracy"
    # The mini copy has 9 of XNLI's 15 languages: the score is partial and says which are left out.
    assert scores.partial and set(scores.left_out) == {"bg", "el", "sw", "tr", "ur", "vi"}

    folder = outcome.folder
    assert outcome.action == "ran"
    assert records.read_results(folder) == outcome.results
    assert json.loads((folder / "status.json").read_text())["state"] == "done"
    spec = records.read_spec(folder)
    assert spec.seed == 3 and spec.inter == "none" and spec.config["seed"] == 3 and spec.key in folder.name
    assert {"target_s", "eval_s", "total_s"} <= set(outcome.results.timings)
    assert outcome.results.environment["torch"] == torch.__version__
    # Predictions and gold labels in XTREME's layout, one label per line, named by their split
    # (dev-LANG: the cell is evaluated on the dev split; test-LANG files are test predictions).
    assert not list(folder.glob("predictions/xnli/test-*"))
    for lang in MINI_LANGUAGES:
        predicted = (folder / "predictions" / "xnli" / f"dev-{lang}.tsv").read_text().splitlines()
        gold = (folder / "labels" / "xnli" / f"dev-{lang}.tsv").read_text().splitlines()
        assert len(predicted) == len(gold) == 24
        assert set(predicted) <= set(NLI_LABELS) and set(gold) <= set(NLI_LABELS)
        accuracy = 100 * sum(p == g for p, g in zip(predicted, gold)) / len(gold)
        assert accuracy == pytest.approx(scores.per_language[lang].metrics["accuracy"])


def test_inter_none_skips_phase_one(run_cell_with, monkeypatch) -> None:
    loads = []
    original = ClassificationFormat.load_model
    monkeypatch.setattr(
        ClassificationFormat, "load_model", lambda self, path, task: loads.append((path, task.name)) or original(self, path, task)
    )
    outcome = run_cell_with("inter=none", "target=xnli", "target.languages=[en]")
    folder = outcome.folder
    assert "inter" not in outcome.results.phases and "inter_s" not in outcome.results.timings
    assert not (folder / "inter").exists()
    # The only model loaded is the target's, straight from the pretrained (tiny) model.
    assert loads == [(outcome.results.started_from, "xnli")]
    assert Path(loads[0][0]).name.startswith("tiny-")


def test_phase_two_starts_from_the_phase_one_encoder(run_cell_with, monkeypatch, tmp_path: Path) -> None:
    """Record the encoder tensors each phase starts from and compare them with the saved encoder."""
    starts = []
    original = ClassificationFormat.load_model

    def recording_load(self, path, task):
        model = original(self, path, task)
        state = {k: v.detach().clone() for k, v in model.base_model.state_dict().items()}
        starts.append((path, task.name, state))
        return model

    monkeypatch.setattr(ClassificationFormat, "load_model", recording_load)
    outcome = run_cell_with("inter=mnli", "target=xnli", "target.languages=[en,de]", f"paths.cache={tmp_path / 'c'}")
    (p1_path, p1_task, pretrained), (p2_path, p2_task, phase2_start) = starts
    assert (p1_task, p2_task) == ("mnli", "xnli")
    encoder_dir = tmp_path / "c" / "intermediate" / outcome.results.phases["inter"]["entry"] / "encoder"
    assert Path(p2_path) == encoder_dir
    saved = load_file(str(encoder_dir / "model.safetensors"))
    key = "encoder.layer.0.attention.self.query.weight"
    assert torch.equal(phase2_start[key], saved[key])
    assert torch.equal(phase2_start["embeddings.word_embeddings.weight"], saved["embeddings.word_embeddings.weight"])
    assert not torch.equal(pretrained[key], saved[key]), "phase 1 did not change the encoder"
    phase1 = outcome.results.phases["inter"]
    assert phase1["task"] == "mnli" and phase1["train_steps"] == 8 and phase1["cache"] == "built"
    # The saved encoder carries no task head: phase 2 gets a fresh one.
    assert not any(k.startswith("classifier") for k in saved)


def test_learnable_mini_task_beats_chance(run_cell_with) -> None:
    """With the default CPU budget (2 epochs, selection on English dev) English beats chance (33.3)."""
    outcome = run_cell_with("inter=none", "target=xnli", "target.languages=[en]", budget=False)
    english = outcome.results.scores.per_language["en"].metrics["accuracy"]
    assert english > 50, f"English dev accuracy {english:.1f} does not beat chance (33.3) clearly"


def test_qa_target_window_is_clamped_to_the_model(run_cell_with) -> None:
    """xquad asks for XTREME's 384-token windows; the tiny model has 128 positions."""
    from xtask.store import records

    outcome = run_cell_with("inter=none", "target=xquad", "target.languages=[en,zh]")
    assert records.read_spec(outcome.folder).config["target"]["max_length"] == 384
    assert outcome.results.scores.average is not None


def test_cluster_model_config_runs_with_a_local_pretrained_folder(run_cell_with, shared_cache) -> None:
    """model=xlmr_base's code path (from_pretrained of model.pretrained, no tiny build), pointed at
    a local folder instead of the Hub id, end to end through phase 1 and phase 2."""
    from xtask.config import TinyArchitecture
    from xtask.models.tiny import ensure_tiny_model

    folder = ensure_tiny_model(TinyArchitecture(), shared_cache)
    outcome = run_cell_with("model=xlmr_base", f"model.pretrained={folder}", "inter=sst2", "target=tatoeba",
                            "target.languages=[de]", "model.retrieval_layer=1")
    assert outcome.folder.name.split("__")[2] == "xlmr_base"
    assert outcome.results.phases["inter"]["task"] == "sst2"
    assert outcome.results.scores.extra["layer"] == 1 and outcome.results.scores.average is not None


def test_missing_evaluation_languages_fail_before_any_training(run_cell_with, tmp_path: Path, monkeypatch) -> None:
    """XTREME's folder layout with only the mini data's 9 XNLI languages: target.languages=null
    asks for all 15, so the cell fails at once, naming the 6 missing ones, and trains nothing."""
    import xtask.pipeline.cell
    from xtask.data.sources import BUNDLED_MINI_ROOT, MissingDataError

    def no_training(*args, **kwargs):
        raise AssertionError("phase 1 started although evaluation data is missing")

    monkeypatch.setattr(xtask.pipeline.cell, "intermediate_encoder", no_training)
    with pytest.raises(MissingDataError) as err:
        run_cell_with("inter=mnli", "target=xnli", "data=xtreme_dir", f"data.root={BUNDLED_MINI_ROOT}")
    message = str(err.value)
    assert "problem(s) with the data, found before any training" in message
    for lang in ("bg", "el", "sw", "tr", "ur", "vi"):
        assert f"xnli dev {lang}: file not found" in message and f"dev-{lang}.tsv" in message
    assert "xnli/train-en.tsv" in message  # MNLI's training file in XTREME's layout: not in the mini copy
    (status,) = (tmp_path / "outputs").rglob("status.json")
    assert json.loads(status.read_text())["state"] == "failed"


def test_the_tiny_model_builds_the_same_bytes_everywhere(tmp_path: Path) -> None:
    """Same seed, same numbers on every machine: two builds of the tiny model (tokenizer
    training included, whose trainer is parallel and hash-ordered) are byte-identical."""
    from xtask.config import TinyArchitecture
    from xtask.models.tiny import ensure_tiny_model

    first = ensure_tiny_model(TinyArchitecture(), tmp_path / "a")
    second = ensure_tiny_model(TinyArchitecture(), tmp_path / "b")
    for name in ("tokenizer.json", "model.safetensors", "config.json"):
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def test_a_test_split_without_labels_gives_predictions_only(run_cell_with, tmp_path: Path, capsys) -> None:
    """XTREME's test files carry no labels: the cell finishes with predictions only (no score),
    reports say so, nothing crashes, and `xtask submission` takes it."""
    import shutil

    from xtask.cli import main as xtask_main
    from xtask.data.sources import BUNDLED_MINI_ROOT

    root = tmp_path / "download"
    shutil.copytree(BUNDLED_MINI_ROOT / "xnli", root / "xnli")
    (root / "xnli" / "train-en.tsv").write_text("".join(
        f"{json.loads(line)['sentence1']}\t{json.loads(line)['sentence2']}\t{json.loads(line)['gold_label']}\n"
        for line in (BUNDLED_MINI_ROOT / "mnli" / "train.jsonl").read_text().splitlines()
        if json.loads(line)["gold_label"] != "-"))
    for lang in ("en", "de"):  # XTREME's unlabelled test files: premise<TAB>hypothesis
        path = root / "xnli" / f"test-{lang}.tsv"
        path.write_text("".join("\t".join(line.split("\t")[:2]) + "\n" for line in path.read_text().splitlines()))
    outcome = run_cell_with("inter=none", "target=xnli", "target.languages=[en,de]", "target.eval_split=test",
                            "data=xtreme_dir", f"data.root={root}")
    scores = outcome.results.scores
    assert outcome.score is None and scores.average is None and scores.unlabelled == ["en", "de"]
    assert (outcome.folder / "predictions" / "xnli" / "test-de.tsv").is_file()
    assert not (outcome.folder / "labels").exists()
    assert xtask_main(["matrix", str(outcome.folder.parent)]) == 0
    assert "| none | predictions only |" in capsys.readouterr().out
    assert xtask_main(["submission", str(outcome.folder), "--out", str(tmp_path / "sub")]) == 1  # 8 tasks missing
    assert (tmp_path / "sub" / "xnli" / "test-de.tsv").is_file()


def test_summarize_keeps_the_samples_of_scored_languages_only() -> None:
    """An unlabelled language scored on a sample has no score: its sample makes nothing partial."""
    from xtask.pipeline.evaluation import summarize
    from xtask.tasks import get_task

    scores = summarize(get_task("xnli"), "test", ["en", "de"], {"en": {"accuracy": 50.0}}, {"en": 5}, ["de"],
                       {"en": 100 / 3}, sampled={"en": 5010, "de": 5010})
    assert scores.sampled == {"en": 5010}


def test_an_evaluation_on_a_sample_of_the_examples_is_partial_and_says_so(run_cell_with, mini_ctx, capsys) -> None:
    """train.target.max_eval_examples scores a random sample: the number is marked † and the
    notes say how much of each language was scored (never passed off as the full set's)."""
    from xtask.cli import main as xtask_main
    from xtask.data.sources import read_split as read
    from xtask.tasks import get_task

    outcome = run_cell_with("inter=none", "target=xnli", "target.languages=[en,de]", "train.target.max_eval_examples=5")
    scores = outcome.results.scores
    full = {lang: len(read(get_task("xnli"), mini_ctx, scores.split, lang)) for lang in ("en", "de")}
    assert scores.sampled == full and all(s.n == 5 for s in scores.per_language.values())
    assert scores.partial
    assert xtask_main(["matrix", str(outcome.folder.parent)]) == 0
    out = capsys.readouterr().out
    assert "†" in out.split("| none |")[1].split("\n")[0]
    assert "xnli: † scores leave out" in out and f"cover a sample: 5 of {full['en']} examples in en" in out


def test_a_cells_cpu_threads_do_not_outlive_it() -> None:
    """train.cpu_threads applies to one cell; a process running several (tests, a notebook)
    gets its own setting back, even when the cell fails."""
    import torch

    from xtask.pipeline.cell import torch_threads

    before = torch.get_num_threads()
    wanted = 2 if before != 2 else 3
    with pytest.raises(RuntimeError):
        with torch_threads(wanted):
            assert torch.get_num_threads() == wanted
            raise RuntimeError("the cell failed")
    assert torch.get_num_threads() == before
    with torch_threads(None):
        assert torch.get_num_threads() == before
