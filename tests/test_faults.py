"""The fault suite: one test per promise of the README's "Guarantees" section.

Each test provokes the fault for real where this machine allows it (two processes launching one
cell, bytes flipped in a cached encoder, a full tmpfs, a W&B server that refuses or never
answers, a frozen lock holder) with the tiny model, and checks what the user sees and what is
left on disk. Tests that need root (mounting a small tmpfs) skip elsewhere but fail under CI=true.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from conftest import REPO, TINY_BUDGET

pytestmark = pytest.mark.slow

CELL = [*TINY_BUDGET, "inter=none", "target=xnli", "target.languages=[en,de]", "logger=none"]


def _launch(*args: str, env: dict | None = None, timeout: int = 300) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "launch.py", *args], cwd=REPO, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, env={**os.environ, **(env or {})})


def _only_cell(outputs: Path) -> Path:
    (folder,) = [p for p in (outputs / "cells").iterdir() if p.is_dir()]
    return folder


# --------------------------------------------------------------------------- one job per cell


def test_one_job_per_cell(tmp_path: Path, shared_cache: Path) -> None:
    """The same cell launched twice at once: exactly one job computes it; the other says who
    holds it (host, pid, since) and leaves its files alone."""
    outputs = tmp_path / "outputs"
    args = [*CELL, "train.target.max_steps=600", f"paths.outputs={outputs}", f"paths.cache={shared_cache}"]
    first = _launch(*args)
    deadline = time.time() + 240
    while time.time() < deadline and not any("running" in p.read_text() for p in outputs.glob("cells/*/status.json")):
        time.sleep(0.2)
    second = _launch(*args)  # a relaunch while the first job still trains
    out = [p.communicate(timeout=300)[0] for p in (first, second)]
    # The job that found the cell busy leaves it not done (for now): it says so and exits 1.
    assert sorted([first.returncode, second.returncode]) == [0, 1], out
    assert sum("running elsewhere" in text for text in out) == 1, out
    assert "this launch leaves it not done" in out[[first.returncode, second.returncode].index(1)]
    busy = next(text for text in out if "running elsewhere" in text)
    assert "host " in busy and "pid " in busy and "since " in busy
    folder = _only_cell(outputs)
    assert json.loads((folder / "status.json").read_text())["state"] == "done"
    assert json.loads((folder / "results.json").read_text())["scores"]["average"] is not None


def test_a_dead_holders_cell_is_taken_over(run_cell_with, tmp_path: Path) -> None:
    """A job killed while it held a cell (SIGKILL: no final status) leaves it 'running'; the OS
    released its lock, so the store says lost and the next launch resumes it."""
    from xtask.store import cells as store

    outputs = tmp_path / "outputs"
    holder = _launch(*CELL, "train.target.max_steps=100000", "train.target.save_steps=5", "train.target.selection=last",
                     f"paths.outputs={outputs}")
    deadline = time.time() + 240
    while time.time() < deadline and not list(outputs.glob("cells/*/target/trainer/checkpoint-*/trainer_state.json")):
        time.sleep(0.5)
    holder.kill()
    holder.communicate()
    folder = _only_cell(outputs)
    assert store.view(folder).state == store.State.lost
    outcome = run_cell_with(*CELL[len(TINY_BUDGET):], "train.target.max_steps=12", "train.target.save_steps=5",
                            "train.target.eval_strategy=no", "train.target.selection=last",
                            "train.target.max_eval_examples=24", outputs=outputs)
    assert outcome.folder == folder or outcome.action in ("ran", "resumed")


# --------------------------------------------------------------------------- cached encoders


def _flip_bytes_in_place(path: Path) -> None:
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 8] = bytes(b ^ 0xFF for b in data[middle : middle + 8])
    path.write_bytes(bytes(data))


def test_damaged_caches_are_detected_and_rebuilt(run_cell_with, tmp_path: Path, caplog) -> None:
    """Bytes changed in a cached encoder (same size) are found by its checksums; the entry is
    rebuilt with a warning naming it, and the cell's numbers equal the undamaged run's."""
    from xtask.store import encoders

    cache = tmp_path / "cache"
    args = ["inter=mnli", "target=xnli", "target.languages=[en]", f"paths.cache={cache}"]
    first = run_cell_with(*args)
    (entry,) = encoders.entries(cache)
    weights = entry / "encoder" / "model.safetensors"
    size = weights.stat().st_size
    _flip_bytes_in_place(weights)
    encoders._verified.clear()  # a new job: nothing verified yet
    assert weights.stat().st_size == size and encoders.check(entry) is not None
    with caplog.at_level(logging.WARNING):
        second = run_cell_with(*args, "target.languages=[en,de]")
    assert second.results.phases["inter"]["cache"] == "rebuilt"
    assert entry.name in caplog.text and "does not match its checksum" in caplog.text
    assert encoders.check(entry) is None
    assert second.results.scores.per_language["en"].metrics == first.results.scores.per_language["en"].metrics


def test_force_rebuilds_an_encoder_once_and_cache_rebuild_marks_one(run_cell_with, tmp_path: Path, capsys,
                                                                     monkeypatch) -> None:
    import xtask.pipeline.cell
    from xtask.cli import main as xtask_main
    from xtask.store import encoders

    cache = tmp_path / "cache"
    run_cell_with("inter=mnli", "target=xnli", "target.languages=[en]", f"paths.cache={cache}")
    monkeypatch.setattr(xtask.pipeline.cell, "_PROCESS_ID", "a later sweep")  # force=true comes with a new launch
    forced = [run_cell_with("inter=mnli", f"target={t}", "target.languages=[en]", "force=true", f"paths.cache={cache}")
              for t in ("xnli", "pawsx")]
    assert [o.results.phases["inter"]["cache"] for o in forced] == ["built", "reused"]  # once in this sweep
    (entry,) = encoders.entries(cache)
    assert xtask_main(["cache", "rebuild", entry.name, "--cache", str(cache)]) == 0
    assert "marked for rebuilding" in capsys.readouterr().out
    again = run_cell_with("inter=mnli", "target=udpos", "target.languages=[en]", f"paths.cache={cache}")
    assert again.results.phases["inter"]["cache"] == "built"
    assert xtask_main(["cache", "verify", "--cache", str(cache)]) == 0 and ": ok" in capsys.readouterr().out


# --------------------------------------------------------------------------- full disk, read-only store


def _tmpfs(path: Path, size: str) -> None:
    path.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], capture_output=True)
    if done.returncode != 0:
        message = f"cannot mount a tmpfs ({done.stderr.decode().strip()}): needs root"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture
def small_disk(tmp_path: Path):
    mount = tmp_path / "small"
    _tmpfs(mount, "4m")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_full_disk_keeps_the_reason_and_the_rerun_resumes_from_the_last_complete_checkpoint(
        run_cell_with, small_disk: Path, tmp_path: Path) -> None:
    """Checkpoints of ~2.5 MB on a 4 MB disk: the first fits, the second does not. The failure's
    reason is written (into space kept in reserve); the half-written checkpoint is not resumed
    from; moved to a roomier disk, the cell resumes from the first, complete one."""
    from xtask.store import cells as store

    args = ["inter=none", "target=xnli", "target.languages=[en]", "train.target.max_steps=30",
            "train.target.save_steps=10", "train.target.eval_strategy=no", "train.target.selection=last"]
    with pytest.raises(Exception):  # torch reports a full disk as a RuntimeError ("iostream error")
        run_cell_with(*args, f"paths.cells={small_disk / 'cells'}", budget=False)
    (folder,) = [p for p in (small_disk / "cells").iterdir() if p.is_dir()]
    view = store.view(folder)
    assert view.state == store.State.failed and "is full" in view.problem, view.problem
    assert view.failure == "environment" and view.retried_by_relaunch  # not the cell's fault
    checkpoints = sorted(p.name for p in (folder / "target" / "trainer").glob("checkpoint-*"))
    assert "checkpoint-10" in checkpoints
    roomy = tmp_path / "roomy" / "cells"
    roomy.mkdir(parents=True)
    shutil.copytree(folder, roomy / folder.name)
    outcome = run_cell_with(*args, f"paths.cells={roomy}", budget=False)  # a plain relaunch: no retry_failed
    assert outcome.action == "ran" and outcome.results.phases["target"]["resumed_from_step"] == 10
    # The phase's figures cover both attempts: the first one's 10 steps are counted, not lost.
    target = outcome.results.phases["target"]
    assert target["attempts"] == 2 and target["steps_run"] >= 30 and target["train_loss"] > 0


def test_a_full_disk_is_one_line_on_the_console(small_disk: Path) -> None:
    """Launched from the command line, a full disk is one line saying which disk is full and
    that a plain relaunch retries the cell, not torch's traceback."""
    done = subprocess.run([sys.executable, "launch.py", *CELL, "train.target.max_steps=30", "train.target.save_steps=10",
                           f"paths.cells={small_disk / 'cells'}"], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr[-3000:]
    (line,) = [ln for ln in done.stderr.splitlines() if ln.startswith("error:")]
    assert f"the disk holding {small_disk / 'cells'}" in line and "is full" in line
    assert "a plain relaunch retries it from its last complete checkpoint" in line


def test_a_read_only_store_is_a_clear_error_and_loses_nothing(run_cell_with, tmp_path: Path) -> None:
    from xtask.store import cells as store

    mount = tmp_path / "ro"
    _tmpfs(mount, "20m")
    try:
        done = run_cell_with("inter=none", "target=xnli", "target.languages=[en]", f"paths.cells={mount}")
        before = (done.folder / "results.json").read_bytes()
        subprocess.run(["mount", "-o", "remount,ro", str(mount)], check=True)
        with pytest.raises(store.StoreError, match="cannot write the cell folder .* check that paths.outputs"):
            run_cell_with("inter=none", "target=xnli", "target.languages=[de]", f"paths.cells={mount}")
        assert (done.folder / "results.json").read_bytes() == before
        assert store.view(done.folder).state == store.State.done
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


# --------------------------------------------------------------------------- damaged records


def test_damaged_records_are_recomputed_on_relaunch(run_cell_with, tmp_path: Path) -> None:
    first = run_cell_with("inter=none", "target=xnli", "target.languages=[en]")
    text = (first.folder / "results.json").read_text()
    (first.folder / "results.json").write_text(text[: len(text) // 3])
    again = run_cell_with("inter=none", "target=xnli", "target.languages=[en]")
    assert again.action == "ran" and again.results.scores.average == first.results.scores.average


# --------------------------------------------------------------------------- tracking never stalls a cell


class _Silent:
    """A TCP server that accepts connections and never answers (a dead proxy)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.conns: list = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                self.conns.append(self.sock.accept()[0])
            except OSError:
                return

    def close(self) -> None:
        self.sock.close()


@pytest.mark.parametrize("server", ["refused", "silent"])
def test_tracking_never_stalls_a_cell(run_cell_with, monkeypatch, caplog, server: str) -> None:
    """An unreachable W&B server: one failed probe, then every run of the job is offline at
    once; wandb.init is never attempted online."""
    import wandb

    from xtask import tracking

    silent = _Silent() if server == "silent" else None
    url = f"http://127.0.0.1:{silent.port}" if silent else "http://127.0.0.1:9"
    monkeypatch.setattr(tracking, "_offline_reason", None)
    monkeypatch.setattr(tracking, "_probed", {})
    modes = []
    real_init = wandb.init
    monkeypatch.setattr(wandb, "init", lambda *a, **kw: modes.append(kw.get("mode")) or real_init(*a, **kw))
    monkeypatch.setenv("WANDB_API_KEY", "x" * 40)
    monkeypatch.delenv("WANDB_MODE", raising=False)
    try:
        started = time.time()
        with caplog.at_level(logging.WARNING):
            for target in ("xnli", "pawsx"):
                run_cell_with("inter=mnli", f"target={target}", "target.languages=[en]", "logger=wandb",
                              "logger.mode=online", f"logger.base_url={url}", "logger.init_timeout=60",
                              "logger.probe_timeout=1")
        elapsed = time.time() - started
    finally:
        if silent:
            silent.close()
    assert modes and set(modes) == {"offline"}, modes
    assert caplog.text.count("W&B online is not available") == 1
    assert elapsed < 60, f"{elapsed:.0f} s: a cell waited for W&B"  # (a loose bound: init_timeout alone is 60 s)


# --------------------------------------------------------------------------- frozen lock holders


def test_waiting_names_the_lock_holder(tmp_path: Path, caplog) -> None:
    from xtask.store import cells as store
    from xtask.store import encoders

    folder = tmp_path / "cells" / "none__xnli__tiny__s1__abc"
    folder.mkdir(parents=True)
    holder = subprocess.Popen([sys.executable, "-c", (
        "import sys, time; sys.path.insert(0, '.');"
        "from pathlib import Path; from xtask.store import cells as store;"
        f"folder = Path({str(folder)!r}); lock = store.CellLock(folder); lock.acquire(wait=False);"
        "store.write_status(folder, 'running', attempts=1, since=time.time() - 30);"
        "print('held', flush=True); time.sleep(60)")], cwd=REPO, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(store.Busy, match=rf"running elsewhere \(host .*, pid {holder.pid}, since .*, 3\d s ago\)"):
            store.CellLock(folder).acquire(wait=False)
        waiter = threading.Thread(target=lambda: store.CellLock(folder).acquire(wait=True, poll_s=0.3), daemon=True)
        with caplog.at_level(logging.INFO):
            waiter.start()
            time.sleep(1.5)
        assert "held by host" in caplog.text and f"pid {holder.pid}" in caplog.text
    finally:
        holder.kill()
        holder.communicate()
    # The encoder cache's builder: named the same way, with the age of its build.
    entry = tmp_path / "cache" / "intermediate" / "mnli-abc-v2"
    staging = entry.with_name(entry.name + ".partial")
    staging.mkdir(parents=True)
    (staging / "BUILDER.json").write_text(json.dumps({"host": "node7", "pid": 4242, "slurm_job": "99_3",
                                                      "time": time.time() - 120}))
    assert "host node7, pid 4242, SLURM job 99_3, started " in encoders.builder_text(entry)
    assert "12" in encoders.builder_text(entry).split("started", 1)[1]


# --------------------------------------------------------------------------- bad data, before any training


def test_bad_data_is_reported_by_file_and_line_before_any_training(run_cell_with, tmp_path: Path, monkeypatch) -> None:
    """An empty UDPOS training file and a malformed dev line: one error lists both, naming file
    and line, and phase 1 never starts."""
    import xtask.pipeline.cell
    from xtask.data.sources import BUNDLED_MINI_ROOT, MissingDataError

    root = tmp_path / "download"
    shutil.copytree(BUNDLED_MINI_ROOT / "udpos", root / "udpos")
    (root / "udpos" / "train-en.tsv").write_text("")
    lines = (root / "udpos" / "dev-de.tsv").read_text().splitlines(keepends=True)
    lines[4] = "Wort\tNOUN\textra\n"
    (root / "udpos" / "dev-de.tsv").write_text("".join(lines))

    def no_training(*args, **kwargs):
        raise AssertionError("phase 1 started although the data is bad")

    monkeypatch.setattr(xtask.pipeline.cell, "intermediate_encoder", no_training)
    with pytest.raises(MissingDataError) as err:
        run_cell_with("inter=mnli", "target=udpos", "target.languages=[en,de]", "data=xtreme_dir", f"data.root={root}")
    message = str(err.value)
    assert "found before any training" in message
    assert "train-en.tsv: no examples" in message
    assert "dev-de.tsv:5: expected 'word<TAB>tag', got 3 columns" in message


def test_a_long_question_does_not_break_qa_windows(shared_cache: Path) -> None:
    """A 96-token question at max_length 128 / stride 32 left no room for the context: the
    tokenizer panicked. Questions are cut to max_query_length and the stride clamped."""
    import datasets

    from xtask.config import TinyArchitecture
    from xtask.data.canonical import QA
    from xtask.models.tiny import ensure_tiny_model
    from xtask.pipeline.formats.qa import encode_windows
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(ensure_tiny_model(TinyArchitecture(), shared_cache))
    question = " ".join(["where is the man working today"] * 20)
    assert len(tokenizer(question, add_special_tokens=False)["input_ids"]) >= 96
    context = "The man is working in the kitchen. " * 20
    raw = datasets.Dataset.from_list([{"id": "q", "title": "", "context": context, "question": question,
                                       "answers": {"text": ["kitchen"], "answer_start": [context.index("kitchen")]}}],
                                     features=QA)
    features = encode_windows(raw, tokenizer, max_length=128, doc_stride=32, with_positions=True, max_query_length=64)
    assert len(features) >= 2 and all(len(ids) <= 128 for ids in features["input_ids"])
    assert any(start > 0 for start in features["start_positions"])  # the answer is found in a window


@pytest.mark.parametrize("override, message", [
    ("target.languages=[en,xx]", "xnli has no language(s) ['xx']"),
    ("target.eval_split=tset", "Invalid value 'tset', expected one of [dev, test]"),
    ("train.target.epochs=-1", "Value -1.0 is not valid for train.target.epochs: must be > 0"),
])
def test_bad_values_are_clear_text_not_tracebacks(tmp_path: Path, override: str, message: str) -> None:
    done = subprocess.run([sys.executable, "launch.py", override, f"paths.outputs={tmp_path}", "logger=none"],
                          cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode != 0
    assert message in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "cells").exists() or not any((tmp_path / "cells").iterdir())


def test_same_seed_same_numbers(run_cell_with, tmp_path: Path) -> None:
    """The same cell in two fresh stores (and caches) gives identical predictions and scores."""
    runs = [run_cell_with("inter=mnli", "target=xnli", "target.languages=[en,de]",
                          f"paths.cache={tmp_path / name / 'cache'}", outputs=tmp_path / name) for name in ("a", "b")]
    assert runs[0].results.scores == runs[1].results.scores
    for lang in ("en", "de"):
        name = f"predictions/xnli/dev-{lang}.tsv"
        assert (runs[0].folder / name).read_text() == (runs[1].folder / name).read_text()


# --------------------------------------------------------------------------- Ctrl-C


def test_ctrl_c_is_one_line_saying_where_the_cell_stopped_and_that_a_rerun_resumes(tmp_path: Path) -> None:
    """SIGINT (what Ctrl-C sends) in the middle of phase 2: one line naming the cell, its phase
    and its last complete checkpoint, no KeyboardInterrupt traceback from torch; the same
    command then resumes from that checkpoint."""
    import signal

    args = [*CELL, "train.target.max_steps=80", "train.target.save_steps=5", f"paths.outputs={tmp_path}"]
    job = subprocess.Popen([sys.executable, "launch.py", *args], cwd=REPO, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.time() + 240
    while time.time() < deadline and not list(tmp_path.glob("cells/*/target/trainer/checkpoint-*/trainer_state.json")):
        time.sleep(0.2)
    job.send_signal(signal.SIGINT)
    _, err = job.communicate(timeout=120)
    assert job.returncode == 130 and "Traceback" not in err and "KeyboardInterrupt" not in err, err[-3000:]
    (line,) = [ln for ln in err.splitlines() if "interrupted:" in ln]
    folder = _only_cell(tmp_path)
    assert f"interrupted: cell {folder.name} stopped in its target phase; its last complete checkpoint is step " in line
    assert line.endswith("rerun the same command to resume from it")
    step = int(line.split("checkpoint is step ")[1].split(":")[0])
    again = subprocess.run([sys.executable, "launch.py", *args], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr[-3000:]
    results = json.loads((folder / "results.json").read_text())
    assert results["phases"]["target"]["resumed_from_step"] == step and results["phases"]["target"]["attempts"] == 2
