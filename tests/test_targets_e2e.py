"""Every XTREME target end to end with the tiny model on the bundled mini data, and the scorer
reproducing each cell's own numbers from the files the cell wrote."""

from __future__ import annotations

from pathlib import Path

import pytest

from xtask.data.sources import MINI_LANGUAGES
from xtask.scoring.xtreme import score_folders
from xtask.tasks import TARGET_TASKS
from xtask.tasks.benchmarks import BENCHMARKS

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("target", list(TARGET_TASKS))
def test_target_cell_and_rescoring(run_cell_with, target: str) -> None:
    results = run_cell_with("inter=none", f"target={target}")
    scores = results.results.scores
    spec = TARGET_TASKS[target]
    expected_languages = [lang for lang in spec.languages if lang in MINI_LANGUAGES
                          and lang not in spec.lacks_split.get(spec.split_aliases.get(split_of(target), split_of(target)), ())]
    assert sorted(scores.languages) == sorted(expected_languages) and len(expected_languages) >= 2
    assert set(scores.per_language) == set(expected_languages)
    assert scores.average is not None and 0 <= scores.average <= 100

    folder = Path(str(results.folder))
    suffix = spec.suffix
    for lang in expected_languages:
        assert (folder / "predictions" / target / f"{split_of(target)}-{lang}.{suffix}").is_file()
        assert (folder / "labels" / target / f"{split_of(target)}-{lang}.{suffix}").is_file()
    benchmark = "xtreme" if target in BENCHMARKS["xtreme"] else "xtreme_r"
    _, detailed = score_folders(folder / "predictions", folder / "labels", benchmark=benchmark)
    assert detailed[target]["avg_metric"] == pytest.approx(scores.average, abs=1e-4)
    for lang, language in scores.per_language.items():
        for name, value in language.metrics.items():
            assert detailed[target][name][lang] == pytest.approx(value, abs=1e-4), (lang, name)
    if TARGET_TASKS[target].kind.value == "retrieval":
        assert "target" not in results.results.phases  # scored directly, no training
    else:
        assert results.results.phases["target"]["train_steps"] == 8


def split_of(target: str) -> str:
    import yaml

    conf = Path(__file__).resolve().parents[1] / "conf" / "target" / f"{target}.yaml"
    return yaml.safe_load(conf.read_text())["eval_split"]
