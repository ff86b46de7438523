"""The Hub path (data=hub, the cluster default), offline: every Hub dataset a task spec names is
read through xtask's own readers, with the very ``datasets.load_dataset(path, name, split=...)``
call the product makes, from a local mirror laid out as the Hub serves each repo
(tests/hub_fixtures: the repos' configs, splits, columns, feature types and label encodings).
A renamed column, a changed label encoding or a script-only id fails here, not on the cluster."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from omegaconf import OmegaConf

from hub_fixtures import schemas
from hub_fixtures.generate import write_mirror
from xtask.config import DataConfig
from xtask.data.canonical import Bitext
from xtask.data.readers import MalformedDataError
from xtask.data.sources import DataContext, MissingDataError, evaluation_languages, read_split
from xtask.tasks import TASKS, get_task


@pytest.fixture(scope="module")
def mirror(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("hub")
    write_mirror(root)
    return root


def _ctx(mirror: Path, tmp: Path, **fields) -> DataContext:
    cfg = OmegaConf.merge(OmegaConf.structured(DataConfig), {"source": "hub", "hub_mirror": str(mirror),
                                                             "cache_dir": str(tmp / "hf"), **fields})
    return DataContext.from_config(cfg)


# (task, split, language) for every Hub dataset xtask reads: each spec's Hub location, at least once.
READS = [
    ("mnli", "train", "en"), ("mnli", "dev", "en"), ("anli_plus", "train", "en"), ("anli_plus", "dev", "en"),
    ("qqp", "train", "en"), ("sst2", "dev", "en"), ("squad", "train", "en"), ("squad_v2", "dev", "en"),
    ("hellaswag", "train", "en"), ("cosmosqa", "dev", "en"), ("commonsenseqa", "train", "en"),
    ("socialiqa", "train", "en"), ("copa", "train", "en"), ("copa", "dev", "en"),
    ("xnli", "dev", "de"), ("xnli", "test", "en"), ("pawsx", "train", "en"), ("pawsx", "test", "de"),
    ("udpos", "train", "en"), ("udpos", "dev", "de"), ("udpos", "test", "th"), ("udpos_en", "dev", "en"),
    ("panx", "dev", "de"),
    ("xquad", "test", "de"), ("mlqa", "dev", "de"), ("mlqa", "test", "en"), ("tydiqa", "train", "en"),
    ("tydiqa", "test", "id"), ("tatoeba", "test", "de"), ("xcopa", "test", "et"), ("xcopa", "dev", "zh"),
]


def test_every_hub_dataset_is_read() -> None:
    """Each task with a Hub location is in READS, and each of those ids is in the mirror."""
    read = {task for task, _, _ in READS} | {part for task, _, _ in READS for part in TASKS[task].parts}
    with_hub = {name for name, spec in TASKS.items() if spec.hub is not None and not spec.hub.refuse}
    assert with_hub <= read, with_hub - read
    for name in with_hub:
        assert TASKS[name].hub.path in schemas.SCHEMAS, (name, TASKS[name].hub.path)


@pytest.mark.slow
@pytest.mark.parametrize("task,split,lang", READS)
def test_read_through_the_products_reader(mirror: Path, tmp_path: Path, task: str, split: str, lang: str) -> None:
    spec = get_task(task)
    data = read_split(spec, _ctx(mirror, tmp_path), split, lang)
    assert len(data) > 0
    if isinstance(data, Bitext):
        assert data.gold is not None and len(data.src) == len(data.tgt)
        return
    kind = spec.kind.value
    if kind in ("classification", "multiple_choice"):
        labels = set(data["label"])
        assert labels <= set(range(len(spec.labels) if kind == "classification" else max(map(len, data["choices"])))), labels
    if kind == "tagging":
        assert all(set(tags) <= set(spec.labels) and len(tags) == len(tokens)
                   for tags, tokens in zip(data["tags"], data["tokens"]))
    if kind == "qa":
        for ex in data:  # every answer at its offset (the Hub's stripped contexts repaired)
            for text, start in zip(ex["answers"]["text"], ex["answers"]["answer_start"]):
                assert ex["context"][start : start + len(text)] == text


def test_script_only_repos_are_a_clear_error(mirror: Path, tmp_path: Path) -> None:
    ctx = _ctx(mirror, tmp_path, hub={"socialiqa": {"path": "allenai/social_i_qa"}})
    with pytest.raises(MissingDataError, match=r"(?s)cannot load allenai/social_i_qa .* for task 'socialiqa'.*"
                                               r"loading script.*data\.hub\.socialiqa\.path"):
        read_split(get_task("socialiqa"), ctx, "train", "en")


def test_stripped_qa_contexts_are_repaired_and_counted(mirror: Path, tmp_path: Path, caplog) -> None:
    from xtask.data import sources

    sources._READ_CACHE.clear()  # read anew: the repair is logged when the rows are converted
    with caplog.at_level(logging.WARNING):
        read_split(get_task("xquad"), _ctx(mirror, tmp_path), "test", "de")
    assert "repaired" in caplog.text and "shifted by a stripped context" in caplog.text


def test_bucc_is_refused_on_the_hub(mirror: Path, tmp_path: Path) -> None:
    with pytest.raises(MissingDataError, match=r"(?s)only the gold pairs.*data=xtreme_dir"):
        read_split(get_task("bucc2018"), _ctx(mirror, tmp_path), "test", "de")


def test_udpos_languages_without_a_dev_split_are_left_out_not_failed(mirror: Path, tmp_path: Path) -> None:
    ctx = _ctx(mirror, tmp_path)
    languages, left_out = evaluation_languages(get_task("udpos"), None, ctx, "dev")
    assert {"kk", "th", "tl", "yo"} <= set(left_out) and not {"kk", "th", "tl", "yo"} & set(languages)
    assert "no dev split" in left_out["th"]
    test_languages, test_left_out = evaluation_languages(get_task("udpos"), None, ctx, "test")
    assert {"kk", "th", "tl", "yo"} <= set(test_languages) and not test_left_out


def test_a_labelled_hub_split_with_an_unlabelled_row_names_the_row(tmp_path: Path) -> None:
    import datasets

    repo = tmp_path / "repo"
    (repo / "en").mkdir(parents=True)
    rows = [{"premise": "a", "hypothesis": "b", "label": 0}, {"premise": "c", "hypothesis": "d", "label": -1}]
    datasets.Dataset.from_list(rows).to_parquet(str(repo / "en" / "validation.parquet"))
    (repo / "README.md").write_text("---\nconfigs:\n- config_name: en\n  data_files:\n  - split: validation\n"
                                    "    path: en/validation.parquet\n---\n")
    ctx = DataContext.from_config(OmegaConf.merge(OmegaConf.structured(DataConfig), {
        "source": "hub", "cache_dir": str(tmp_path / "hf"), "hub": {"xnli": {"path": str(repo)}}}))
    with pytest.raises(MalformedDataError, match=r"row 1: this example has no label, but .* row 0 has one"):
        read_split(get_task("xnli"), ctx, "dev", "en")
