"""Bad inputs a new user gives, each provoked for real: data files that cannot be read (a CoNLL-U
word tagged '_', a bad word id, a truncated .gz, a Latin-1 file, ...), a model folder that does
not exist, commands pointed at folders that are not there. Each must be one clear line naming
the file (and line) or the value, with what to do, never a traceback, and must leave no failed
cell behind. The issue's list and the ten extra inputs tried are in docs/guarantees.md (Failures).
"""

from __future__ import annotations

import gzip
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO
from xtask.cli import main as xtask_main
from xtask.data.sources import read_split

WORD = "{id}\t{form}\t{lemma}\t{upos}\tX\t_\t0\tdep\t_\t_\n"


def _conllu(*sentences: list) -> str:
    """CoNLL-U text: each sentence a list of (form, UPOS)."""
    out = []
    for words in sentences:
        out += [WORD.format(id=i, form=form, lemma=form.lower(), upos=upos) for i, (form, upos) in enumerate(words, 1)]
        out.append("\n")
    return "".join(out)


GOOD = _conllu([("The", "DET"), ("dog", "NOUN")], [("A", "DET"), ("cat", "NOUN"), ("sleeps", "VERB")]) * 20


def _mapping(tmp_path: Path, dev: dict, train: str = "good.conllu") -> Path:
    (tmp_path / "good.conllu").write_text(GOOD, encoding="utf-8")
    lines = ["root: .", "udpos:", "  format: conllu", f"  train: {{en: {train}}}", "  dev:"]
    lines += [f"    {lang}: {path}" for lang, path in {"en": "good.conllu", **dev}.items()]
    path = tmp_path / "map.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _damaged_files(tmp_path: Path) -> dict:
    """lang -> file: each damaged in one way."""
    (tmp_path / "underscore.conllu").write_text(_conllu([("The", "DET"), ("dog", "NOUN")],
                                                         [("A", "_"), ("cat", "NOUN")]), encoding="utf-8")
    packed = gzip.compress(GOOD.encode())
    (tmp_path / "truncated.conllu.gz").write_bytes(packed[: len(packed) // 2])
    (tmp_path / "latin1.conllu").write_bytes(_conllu([("Caf\u00e9", "NOUN"), ("cr\u00e8me", "NOUN")]).encode("latin-1"))
    (tmp_path / "badid.conllu").write_text(_conllu([("The", "DET")]).replace("1\tThe", "one\tThe"), encoding="utf-8")
    return {"de": "underscore.conllu", "es": "truncated.conllu.gz", "fr": "latin1.conllu", "it": "badid.conllu"}


def _read(path: Path):
    from xtask.data import parsers
    from xtask.tasks import get_task

    return parsers.conllu(path, get_task("udpos"), {})


# --------------------------------------------------------------------------- parsers


def test_a_conllu_word_tagged_underscore_in_a_tagged_sentence_names_file_and_line(tmp_path: Path) -> None:
    from xtask.data.readers import MalformedDataError

    files = _damaged_files(tmp_path)
    with pytest.raises(MalformedDataError, match=r"underscore.conllu:4: no tag \('_'\) in column 4, but the same "
                                                 r"sentence has tags \(line 5\)"):
        _read(tmp_path / files["de"])
    # ... also when the '_' comes after tagged words of the sentence
    (tmp_path / "late.conllu").write_text(_conllu([("The", "DET"), ("dog", "_")]), encoding="utf-8")
    with pytest.raises(MalformedDataError, match=r"late.conllu:2: no tag"):
        _read(tmp_path / "late.conllu")


def test_conllu_word_ids_and_tags_are_validated(tmp_path: Path) -> None:
    from xtask.data.readers import MalformedDataError

    files = _damaged_files(tmp_path)
    with pytest.raises(MalformedDataError, match=r"badid.conllu:1: word id 'one' where 1 was expected"):
        _read(tmp_path / files["it"])
    skipped = _conllu([("The", "DET"), ("dog", "NOUN")]).replace("2\tdog", "3\tdog")
    (tmp_path / "gap.conllu").write_text(skipped, encoding="utf-8")
    with pytest.raises(MalformedDataError, match=r"gap.conllu:2: word id '3' where 2 was expected"):
        _read(tmp_path / "gap.conllu")
    (tmp_path / "tag.conllu").write_text(_conllu([("The", "DET"), ("dog", "NOUNS")]), encoding="utf-8")
    with pytest.raises(MalformedDataError, match=r"tag.conllu:2: unknown tag 'NOUNS' in column 4; valid tags: ADJ"):
        _read(tmp_path / "tag.conllu")
    # Multi-word tokens and empty nodes are skipped, as XTREME does; an untagged file is unlabelled.
    mwt = "1-2\tdel\t_\t_\t_\t_\t_\t_\t_\t_\n" + _conllu([("de", "ADP"), ("el", "DET")]).replace(
        "\n\n", "\n1.1\tx\tx\t_\t_\t_\t_\t_\t_\t_\n\n", 1)
    (tmp_path / "mwt.conllu").write_text(mwt, encoding="utf-8")
    rows, labelled = _read(tmp_path / "mwt.conllu")
    assert rows[0]["tokens"] == ["de", "el"] and rows[0]["tags"] == ["ADP", "DET"] and labelled
    (tmp_path / "blind.conllu").write_text(_conllu([("The", "_"), ("dog", "_")]), encoding="utf-8")
    assert _read(tmp_path / "blind.conllu") == ([{"id": "udpos-1", "tokens": ["The", "dog"], "tags": []}], False)


def test_a_truncated_gz_and_a_latin1_file_name_the_file_and_what_to_do(tmp_path: Path) -> None:
    from xtask.data.readers import MalformedDataError

    files = _damaged_files(tmp_path)
    with pytest.raises(MalformedDataError, match=r"truncated.conllu.gz: the compressed file is truncated .* copy or "
                                                 r"download it again"):
        _read(tmp_path / files["es"])
    with pytest.raises(MalformedDataError, match=r"latin1.conllu:1: not UTF-8 text \(byte 0xE9 cannot be decoded\); "
                                                 r"xtask reads UTF-8 only: .*iconv -f \S+ -t UTF-8"):
        _read(tmp_path / files["fr"])
    (tmp_path / "plain.conllu.gz").write_text(GOOD, encoding="utf-8")  # a .gz name on a plain file
    with pytest.raises(MalformedDataError, match=r"plain.conllu.gz: not a valid gzip file.*drop the .gz"):
        _read(tmp_path / "plain.conllu.gz")


def test_an_unexpected_layout_is_one_line_naming_file_and_format(tmp_path: Path, mini_ctx) -> None:
    """A parser meeting a layout it did not expect (here a SQuAD file whose paragraphs lack
    'qas') is one MalformedDataError naming the file and the format, not a KeyError."""
    from xtask.config import DataConfig
    from xtask.data.readers import MalformedDataError
    from xtask.data.sources import DataContext
    from omegaconf import OmegaConf
    from xtask.tasks import get_task

    (tmp_path / "squad.json").write_text('{"data": [{"title": "t", "paragraphs": [{"context": "c"}]}]}')
    (tmp_path / "map.yaml").write_text("root: .\nxquad:\n  test: {de: {path: squad.json, format: squad_json}}\n")
    ctx = DataContext.from_config(OmegaConf.merge(OmegaConf.structured(DataConfig),
                                                  {"source": "files", "files": str(tmp_path / "map.yaml")}))
    with pytest.raises(MalformedDataError, match=r"squad.json: cannot be read as squad_json \(KeyError: 'qas'\)"):
        read_split(get_task("xquad"), ctx, "test", "de")


# --------------------------------------------------------------------------- --check-data and the cell


@pytest.mark.slow
def test_check_data_lists_every_unreadable_file_and_exits_1_without_traceback(tmp_path: Path) -> None:
    mapping = _mapping(tmp_path, _damaged_files(tmp_path))
    done = subprocess.run([sys.executable, "-m", "xtask.cli", "plan", "data=files", f"data.files={mapping}",
                           "inter=none", "target=udpos", "target.languages=[en,de,es,fr,it]",
                           f"paths.outputs={tmp_path / 'out'}", "--check-data"],
                          cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    problems = [line for line in done.stdout.splitlines() if line.strip().startswith("problem:")]
    assert len(problems) == 4, done.stdout
    for name in ("underscore.conllu:4", "truncated.conllu.gz: the compressed file is truncated",
                 "latin1.conllu:1: not UTF-8", "badid.conllu:1: word id"):
        assert any(name in line for line in problems), (name, problems)
    assert "6 split(s) read, 4 problem(s) found" in done.stdout
    assert not (tmp_path / "out" / "cells").exists()  # nothing ran


def test_a_cell_reading_an_unreadable_file_fails_in_one_line_per_problem(tmp_path: Path, run_cell_with) -> None:
    from xtask.pipeline.preflight import DataProblems

    mapping = _mapping(tmp_path, _damaged_files(tmp_path))
    with pytest.raises(DataProblems) as raised:
        run_cell_with("data=files", f"data.files={mapping}", "inter=none", "target=udpos",
                      "target.languages=[en,de,es,fr,it]")
    listed = [line for line in str(raised.value).splitlines() if line.startswith("  - ")]
    assert len(listed) == 4 and all("conllu" in line for line in listed), listed


# --------------------------------------------------------------------------- the model


def _launch(*args: str, env: dict | None = None, timeout: int = 300) -> subprocess.CompletedProcess:
    import os

    return subprocess.run([sys.executable, "launch.py", "logger=none", *args], cwd=REPO, capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, **(env or {})})


@pytest.mark.slow
def test_a_model_folder_that_does_not_exist_is_one_line_and_leaves_no_cell(tmp_path: Path) -> None:
    done = _launch("model=xlmr_base", "model.pretrained=/nonexistent/folder", f"paths.outputs={tmp_path}")
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        "error: model.pretrained=/nonexistent/folder: no such folder; give an existing model folder (config.json, "
        "weights, tokenizer) or a Hub id such as FacebookAI/xlm-roberta-base"]
    assert not (tmp_path / "cells").exists()
    # xtask plan refuses it too (as a bad value), and so would a sweep before launching any job.
    assert xtask_main(["plan", "model=xlmr_base", "model.pretrained=/nonexistent/folder",
                       f"paths.outputs={tmp_path}"]) == 2


@pytest.mark.parametrize("value, message", [
    ("{folder}", r"the folder holds no model \(no config.json\)"),
    ("{folder}/file.txt", "is a file, not a model folder"),
    ("not a hub id", "neither an existing folder nor a valid Hub id"),
])
def test_a_model_source_that_cannot_be_a_model_is_refused(tmp_path: Path, value: str, message: str) -> None:
    from xtask.models.sources import ModelSourceError, check_model_source

    (tmp_path / "file.txt").write_text("x")
    with pytest.raises(ModelSourceError, match=message):
        check_model_source(value.format(folder=tmp_path), None, None)
    check_model_source(None, None, "tiny")  # built by xtask: nothing to check
    check_model_source("FacebookAI/xlm-roberta-base", None, None)  # a Hub id: fetched (or refused offline) later


@pytest.mark.slow
def test_an_offline_hub_model_that_is_not_downloaded_is_one_line_and_no_failed_cell(tmp_path: Path) -> None:
    done = _launch("model=xlmr_base", f"paths.outputs={tmp_path}",
                   env={"HF_HUB_OFFLINE": "1", "HF_HOME": str(tmp_path / "hf")})
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines() == [
        "error: model FacebookAI/xlm-roberta-base is not downloaded and HF_HUB_OFFLINE=1 forbids fetching it: "
        "download it first where there is network (`hf download FacebookAI/xlm-roberta-base`, into the same "
        "HF_HOME), or unset HF_HUB_OFFLINE"]
    assert not (tmp_path / "cells").exists()


@pytest.mark.slow
def test_an_unreachable_hub_is_an_environment_failure_that_a_plain_relaunch_retries(tmp_path: Path) -> None:
    """No network (a Hub endpoint that refuses connections), no HF_HUB_OFFLINE: the cell fails
    as an environment failure, in one line with how to run offline; the next plain launch runs
    it again instead of skipping it as 'failed before'."""
    from xtask.store import cells as store

    env = {"HF_HUB_OFFLINE": "0", "HF_HOME": str(tmp_path / "hf"), "HF_ENDPOINT": "http://127.0.0.1:9"}
    args = ("model=xlmr_base", "target.languages=[en]", f"paths.outputs={tmp_path}")
    first = _launch(*args, env=env)
    assert first.returncode == 1 and "Traceback" not in first.stderr
    (line,) = [ln for ln in first.stderr.splitlines() if ln.startswith("error:")]
    assert "the Hub cannot be reached" in line and "a plain relaunch retries" in line
    assert "hf download FacebookAI/xlm-roberta-base" in line and "HF_HUB_OFFLINE=1" in line
    (folder,) = (tmp_path / "cells").iterdir()
    view = store.view(folder)
    assert view.state == store.State.failed and view.failure == "environment" and view.retried_by_relaunch
    second = _launch(*args, env=env)
    assert "failed before" not in second.stderr and second.returncode == 1
    assert store.view(folder).status.attempts == 2  # tried again, not skipped


# --------------------------------------------------------------------------- relaunches and exit codes


@pytest.mark.slow
def test_relaunching_a_cell_that_failed_for_its_input_exits_non_zero(tmp_path: Path) -> None:
    """A cell failed for its input (here recorded by hand, as a cell whose data was malformed
    leaves it) is skipped by a plain relaunch, which says so in one line and exits 1."""
    from xtask.store import cells as store
    from xtask.pipeline.cell import plan_cell
    from hydra import compose, initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra

    from xtask.config import register_configs

    args = ["inter=none", "target=xnli", "target.languages=[en]", f"paths.outputs={tmp_path}"]
    register_configs()  # conf/config.yaml names the schema (launch.py registers it; so must a test run alone)
    GlobalHydra.instance().clear()
    with initialize_config_dir(config_dir=str(REPO / "conf"), version_base="1.3"):
        folder = plan_cell(compose(config_name="config", overrides=args)).folder
    GlobalHydra.instance().clear()
    folder.mkdir(parents=True)
    store.write_status(folder, "failed", error="MalformedDataError: dev-en.tsv:3: unknown label 'maybe'", attempts=1)
    assert store.view(folder).failure == "input"
    done = _launch(*args)
    assert done.returncode == 1
    assert (f"error: cell {folder.name} failed before (MalformedDataError: dev-en.tsv:3: unknown label 'maybe'): "
            "skipped; retry_failed=true reruns it") in done.stderr.splitlines()
    assert store.view(folder).status.attempts == 1


def test_failures_are_told_apart_input_from_environment() -> None:
    import errno

    from xtask import failures

    assert failures.kind_of(OSError(errno.ENOSPC, "No space left on device")) == "environment"
    assert failures.kind_of(RuntimeError("iostream error"), " (the disk holding /x is full: 0 bytes free)") == "environment"
    assert failures.kind_of(ConnectionError("refused")) == "environment"
    assert failures.kind_of(IndexError("list index out of range")) == "input"
    wrapped = OSError("We couldn't connect to 'https://huggingface.co' to load the files")
    assert failures.kind_of(wrapped) == "environment"
    # Records of older xtask (no 'failure' field) are read from their error text.
    assert failures.kind_of_record(None, "RuntimeError: file write failed (the disk holding /x is full: 9 bytes free)") == "environment"
    assert failures.kind_of_record(None, "ValueError: bad") == "input"
    assert failures.kind_of_record("input", "No space left") == "input"  # what was recorded wins


# --------------------------------------------------------------------------- more bad inputs, as a new user gives them


def test_a_byte_order_mark_is_not_part_of_the_first_field(tmp_path: Path) -> None:
    """Files saved by spreadsheet programs start with a UTF-8 BOM: the TSV header's first column
    was '\\ufeffsentence1' ('no column sentence1') and JSON 'Unexpected UTF-8 BOM'."""
    from xtask.data import parsers
    from xtask.tasks import get_task

    (tmp_path / "bom.tsv").write_bytes("\ufeffsentence1\tsentence2\tlabel\nA\tB\tentailment\n".encode("utf-8"))
    rows, labelled = parsers.tsv(tmp_path / "bom.tsv", get_task("xnli"),
                                 {"columns": {"text_a": "sentence1", "text_b": "sentence2", "label": "label"}})
    assert rows[0]["text_a"] == "A" and labelled
    (tmp_path / "bom.json").write_bytes('\ufeff{"data": [{"title": "t", "paragraphs": [{"context": "c d", "qas": '
                                        '[{"id": "1", "question": "q", "answers": [{"text": "d", "answer_start": 2}]}]}]}]}'
                                        .encode("utf-8"))
    assert parsers.squad_json(tmp_path / "bom.json", get_task("xquad"), {})[0][0]["id"] == "1"


def test_a_header_line_in_a_headerless_format_says_so(tmp_path: Path) -> None:
    from xtask.data import parsers
    from xtask.data.readers import MalformedDataError
    from xtask.tasks import get_task

    (tmp_path / "dev-en.tsv").write_text("sentence1\tsentence2\tlabel\nA\tB\tentailment\n")
    with pytest.raises(MalformedDataError, match=r"dev-en.tsv:1: unknown label 'label'.*line 1 looks like a header: "
                                                 r"this format has none; use format tsv"):
        parsers.pair_tsv(tmp_path / "dev-en.tsv", get_task("xnli"), {})


@pytest.mark.parametrize("args, message", [
    (["plan", "+sweep=papr"], "error: In 'config': Could not find 'sweep/papr' Available options in 'sweep': demo"),
    (["plan", "inter=MNLI"], "Available options in 'inter': anli_plus"),
    (["plan", "--costs", "/nonexistent/costs.yaml"], "error: --costs /nonexistent/costs.yaml: no such file"),
    (["predict", "target=xnlii"], "Available options in 'target': bucc2018"),
    (["matrix", "/nonexistent/outputs"], "error: /nonexistent/outputs does not exist"),
    (["aggregate", "{tmp}", "--compare", "papr"], "error: --compare papr: neither 'paper' nor a CSV file"),
])
def test_typos_on_the_command_line_are_one_clear_error(tmp_path: Path, args: list, message: str) -> None:
    done = subprocess.run([sys.executable, "-m", "xtask.cli", *[a.format(tmp=tmp_path) for a in args]], cwd=REPO,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode in (1, 2) and "Traceback" not in done.stderr, done.stderr[-2000:]
    assert message in done.stderr


@pytest.mark.slow
def test_a_hub_dataset_that_cannot_be_fetched_offline_is_an_environment_failure(tmp_path: Path) -> None:
    """data=hub, offline, nothing downloaded: each split is one line naming the dataset and how
    to get it; the cell is an environment failure, which the next plain launch tries again."""
    from xtask.store import cells as store

    env = {"HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "HF_HOME": str(tmp_path / "hf")}
    args = ("data=hub", "target.languages=[en]", f"paths.outputs={tmp_path}")
    first = _launch(*args, env=env)
    assert first.returncode == 1 and "Traceback" not in first.stderr, first.stderr[-3000:]
    problems = [line for line in first.stderr.splitlines() if line.startswith("  - ")]
    assert problems and all("is not downloaded here and the Hub cannot be reached" in p for p in problems), problems
    assert any("facebook/xnli" in p for p in problems)
    (folder,) = (tmp_path / "cells").iterdir()
    assert store.view(folder).failure == "environment"
    second = _launch(*args, env=env)
    assert "failed before" not in second.stderr and store.view(folder).status.attempts == 2
