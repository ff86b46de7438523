"""xtask predict's tables (xtask/predict/render.py): ranks per signal, means over seeds, the
reference row, values not computed."""

from __future__ import annotations

from types import SimpleNamespace

from xtask.predict.predictor import Job, Outcome
from xtask.predict.render import tables
from xtask.predict.store import Prediction


def _job(signal: str, setting: str, seed: int) -> Job:
    plan = SimpleNamespace(target=SimpleNamespace(name="xnli"), setting=setting, seed=seed)
    return Job(signal, f"{signal}-{setting}-{seed}", {}, SimpleNamespace(plan=plan))


def _prediction(signal: str, setting: str, seed: int, score: float) -> Prediction:
    return Prediction(signal=signal, key=f"{signal}-{setting}-{seed}", target="xnli", inter=setting, setting=setting,
                      model="tiny", seed=seed, score=score, examples=10, rows=10, seconds=0.0)


def test_rows_are_ranked_per_signal_by_their_mean_over_seeds() -> None:
    outcome = Outcome()
    scores = {("mnli", 1): -0.2, ("mnli", 2): -0.6, ("squad", 1): -0.5, ("squad", 2): -0.1, ("none", 1): -0.45,
              ("none", 2): -0.45}
    for (setting, seed), score in scores.items():
        outcome.jobs.append(_job("logme_en", setting, seed))
        outcome.predictions.append(_prediction("logme_en", setting, seed, score))
    outcome.jobs += [_job("semb", "mnli", 1), _job("semb", "squad", 1)]
    outcome.predictions.append(_prediction("semb", "mnli", 1, 0.9))  # squad's semb not computed
    text = tables(outcome, ("semb", "logme_en"))
    rows = {line.split()[0]: line for line in text.splitlines() if line.startswith("  ") and line.split()[0] in
            ("mnli", "squad", "none")}
    assert [line.split()[0] for line in text.splitlines() if line.split()[:1] in (["mnli"], ["squad"], ["none"])] == \
        ["squad", "mnli", "none"]  # sorted by logme_en: squad -0.3, mnli -0.4, none -0.45
    assert "-0.3000 (1)" in rows["squad"] and "-0.4000 (2)" in rows["mnli"] and "-0.4500 (3)" in rows["none"]
    assert "reference" in rows["none"] and "not cached" in rows["squad"] and "0.9000 (1)" in rows["mnli"]
    assert "1/2 seed(s) per value" in text.splitlines()[0]  # semb has one seed, logme_en two
