"""The ``xtask`` commands tell the truth, as a new user tries them: the cache command checks the
store the launches use (``XTASK_OUTPUTS``), from any folder, and fails on a folder that does not
exist; ``status`` says a path does not exist; ``score`` refuses a misnamed task folder; ``sync``
fails when nothing was uploaded; piped output ends quietly; ``on_busy=wait`` names the holder at
once; the W&B probe gives up in its time."""

from __future__ import annotations

import pytest

import logging
import os
import subprocess
import sys
import threading
import time
from pathlib import Path


from conftest import REPO
from xtask.cli import main as xtask_main


def _xtask(*args: str, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    environment = {**os.environ, "PYTHONPATH": str(REPO), **(env or {})}
    return subprocess.run([sys.executable, "-m", "xtask.cli", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300, env=environment)


def _entry(cache: Path, name: str = "mnli-abc123-v2") -> Path:
    """A complete cache entry, written as the store writes one (files, then the manifest)."""
    from xtask.store import encoders

    entry = cache / "intermediate" / name
    (entry / "encoder").mkdir(parents=True)
    (entry / "encoder" / "model.safetensors").write_bytes(b"weights" * 100)
    encoders.write_manifest(entry, None)
    return entry


@pytest.mark.slow
def test_cache_verify_follows_xtask_outputs_from_any_folder(tmp_path: Path) -> None:
    store = tmp_path / "store"
    entry = _entry(store / "cache")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    done = _xtask("cache", "verify", cwd=elsewhere, env={"XTASK_OUTPUTS": str(store)})
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"{entry.name}: ok"
    (entry / "encoder" / "model.safetensors").write_bytes(b"damaged" * 100)
    done = _xtask("cache", "verify", cwd=elsewhere, env={"XTASK_OUTPUTS": str(store)})
    assert done.returncode == 1 and "does not match its checksum" in done.stdout
    missing = _xtask("cache", "verify", cwd=elsewhere, env={"XTASK_OUTPUTS": str(tmp_path / "nowhere")})
    assert missing.returncode == 2 and "Traceback" not in missing.stderr
    assert f"the cache folder {tmp_path / 'nowhere' / 'cache'} does not exist" in missing.stderr
    empty = tmp_path / "empty"
    (empty / "cache").mkdir(parents=True)
    assert xtask_main(["cache", "list", "--cache", str(empty / "cache")]) == 1


def test_status_of_a_path_that_does_not_exist_says_so(tmp_path: Path, capsys) -> None:
    assert xtask_main(["status", str(tmp_path / "multirun" / "nope")]) == 2
    assert f"{tmp_path / 'multirun' / 'nope'} does not exist" in capsys.readouterr().err
    (tmp_path / "empty").mkdir()
    assert xtask_main(["status", str(tmp_path / "empty")]) == 1
    assert "no cells found below" in capsys.readouterr().err


def test_score_refuses_a_misnamed_task_folder_unless_told_to_ignore_it(tmp_path: Path, capsys) -> None:
    for root in ("predictions", "labels"):
        (tmp_path / root / "xnli").mkdir(parents=True)
        (tmp_path / root / "xnli" / "test-en.tsv").write_text("entailment\nneutral\n")
    (tmp_path / "predictions" / "pawx").mkdir()  # a typo of pawsx: its predictions would not be scored
    (tmp_path / "predictions" / "xnli" / "test-english.tsv").write_text("entailment\n")
    args = ["score", "--predictions", str(tmp_path / "predictions"), "--labels", str(tmp_path / "labels")]
    assert xtask_main(args) == 1
    err = capsys.readouterr().err
    assert "no task 'pawx' (did you mean pawsx?)" in err and "test-english.tsv: not a xnli file" in err
    assert "--ignore-unknown" in err
    assert xtask_main([*args, "--ignore-unknown"]) == 0
    assert "xnli" in capsys.readouterr().out


@pytest.mark.slow
def test_sync_fails_when_nothing_was_uploaded(tmp_path: Path) -> None:
    """A real offline run folder and no API key: ``wandb sync`` refuses; xtask sync says so and
    exits 1 (it exited 0, having 'handed' the run over). No run at all: exit 1 too."""
    run = tmp_path / "wandb" / "offline-run-20260101_000000-abc-target"
    run.mkdir(parents=True)
    env = {"WANDB_API_KEY": "", "HOME": str(tmp_path), "WANDB_CONFIG_DIR": str(tmp_path / "wb"), "WANDB_MODE": ""}
    done = _xtask("sync", str(tmp_path / "wandb"), cwd=tmp_path, env=env)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "uploaded 0 of 1 offline run(s)" in done.stdout
    assert xtask_main(["sync", str(tmp_path / "nothing")]) == 1


@pytest.mark.slow
def test_piped_output_ends_quietly(tmp_path: Path) -> None:
    from cellfactory import make_cell

    for seed in range(1, 400):
        make_cell(tmp_path / "cells", "none", "xnli", seed, 50.0)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run(f"{sys.executable} -m xtask.cli status {tmp_path} | head -1", shell=True, cwd=tmp_path,
                          capture_output=True, text=True, timeout=300, env=env)
    assert done.stdout.startswith("cell ") and done.stderr == "", done.stderr


def test_on_busy_wait_names_the_holder_at_once(tmp_path: Path, caplog) -> None:
    from xtask.store import cells as store

    folder = tmp_path / "cells" / "none__xnli__tiny__s1__abc"
    holder = store.CellLock(folder)
    holder.acquire(wait=False)
    store.write_status(folder, "running", attempts=1, since=time.time())
    waiter = threading.Thread(target=lambda: store.CellLock(folder).acquire(wait=True, poll_s=30.0), daemon=True)
    with caplog.at_level(logging.INFO):
        waiter.start()
        time.sleep(1.0)  # far less than poll_s
    assert "waiting for none__xnli__tiny__s1__abc, held by host" in caplog.text
    holder.release()
    waiter.join(timeout=35)


@pytest.mark.slow
def test_the_wandb_probe_gives_up_within_its_timeout(monkeypatch) -> None:
    """A server that answers one byte a second (each read within the socket timeout, the answer
    never complete): the probe is bounded in all, not per socket operation, so it gives up at
    its timeout instead of waiting for the whole trickle."""
    import socket

    from xtask import tracking
    from xtask.config import LoggerConfig

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    port = server.getsockname()[1]

    def trickle() -> None:
        conn = server.accept()[0]
        try:
            for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"x" * 40:
                conn.sendall(bytes([byte]))
                time.sleep(0.5)
        except OSError:
            pass

    threading.Thread(target=trickle, daemon=True).start()
    monkeypatch.setattr(tracking, "_probed", {})
    started = time.time()
    reason = tracking.probe(f"http://127.0.0.1:{port}", 1.5)
    elapsed = time.time() - started
    server.close()
    assert elapsed < 2.5, elapsed
    assert reason == f"http://127.0.0.1:{port} did not answer within 1.5 s"
    assert LoggerConfig().probe_timeout == 2.0


def test_a_failure_superseded_by_a_finished_rerun_is_hidden_listed_and_pruned(tmp_path: Path, capsys) -> None:
    """A cell failed for missing data, rerun once the data was there: the data's identity is
    in the key, so the failure stays beside the finished cell. The matrix hides it (and says
    so), status lists it as superseded without failing, prune removes it after a dry run."""
    from cellfactory import make_cell
    from xtask.store import cells as store
    from xtask.store import identity, records

    cells = tmp_path / "cells"
    done = make_cell(cells, "none", "xnli", 1, 94.8, data="files")
    failed = make_cell(tmp_path / "elsewhere", "none", "xnli", 1, state="failed", data="files",
                       error="MissingDataError: xnli test de: file not found: /data/de.tsv")
    spec = records.read_spec(failed)
    spec.inputs["data"] = {"xnli": {"content": "64fee862"}}  # the data as it was (a file missing)
    spec.key = identity.digest(spec.inputs)
    moved = cells / identity.cell_name("tiny", "none", "xnli", 1, spec.key)
    failed.rename(moved)
    store.write_spec(moved, spec)
    store.write_status(moved, "failed", error="MissingDataError: xnli test de: file not found", attempts=1)
    status = records.read_status(done)
    store.write_status(done, "done", attempts=1, score=status.score)  # finished after the failure

    assert xtask_main(["matrix", str(cells)]) == 0
    out = capsys.readouterr().out
    assert "failed" not in out.split("note")[0] and "94.8" in out
    assert "1 failed cell(s) not shown: a finished rerun of the same setting superseded them" in out
    assert xtask_main(["status", str(cells)]) == 0  # nothing left to do
    listed = capsys.readouterr().out
    assert f"superseded by {done.name}" in listed
    other = make_cell(cells, "mnli", "xnli", 1, state="failed")  # not superseded: still counts
    assert xtask_main(["status", str(cells)]) == 1
    capsys.readouterr()

    assert xtask_main(["prune", str(cells)]) == 0
    dry = capsys.readouterr().out
    assert f"would remove: {moved} (failed, superseded by {done.name})" in dry and str(other) not in dry
    assert moved.is_dir()
    assert xtask_main(["prune", str(cells), "--apply"]) == 0
    assert f"removed: {moved}" in capsys.readouterr().out
    assert not moved.exists() and done.is_dir() and other.is_dir()
    assert xtask_main(["prune", str(cells), "--failed", "--apply"]) == 0
    assert not other.exists()


def test_status_shows_what_kind_of_failure_and_no_false_counts(tmp_path: Path, capsys) -> None:
    """A failed cell says whether a plain relaunch retries it; a damaged status shows '?' tries,
    not 0; a done cell does not keep the 'running elsewhere' note of an earlier launch."""
    from cellfactory import make_cell
    from xtask.store import cells as store

    cells = tmp_path / "cells"
    full = make_cell(cells, "none", "xnli", 1, state="failed",
                     error="RuntimeError: file write failed (the disk holding /x is full: 0 bytes free)")
    bad = make_cell(cells, "none", "xnli", 2, state="failed", error="MalformedDataError: dev-en.tsv:3: unknown label")
    damaged = make_cell(cells, "none", "xnli", 3, 50.0)
    (damaged / "status.json").write_text("[]")
    busy_then_done = make_cell(cells, "none", "xnli", 4, 50.0)
    job = tmp_path / "multirun" / "2026-01-01_00-00-00_000000_demo" / "0"
    job.mkdir(parents=True)
    store.write_pointer(job, busy_then_done, "busy")
    assert xtask_main(["status", str(tmp_path)]) == 1
    rows = {line.split()[0]: line for line in capsys.readouterr().out.splitlines() if "__" in line}
    assert "[environment: a plain relaunch retries it]" in rows[full.name]
    assert "[input: skipped by relaunches until its inputs change" in rows[bad.name]
    assert rows[damaged.name].split()[1:3] == ["damaged", "?"]
    assert "running elsewhere" not in rows[busy_then_done.name]


@pytest.mark.slow
def test_a_dev_evaluation_writes_dev_files_that_score_reads(run_cell_with, capsys) -> None:
    """A cell evaluated on its dev split names its files dev-LANG (test-LANG would pass them off
    as test predictions, e.g. into a submission); xtask score reads them as they are."""
    outcome = run_cell_with("inter=none", "target=xnli", "target.languages=[en,de]")
    folder = outcome.folder
    assert sorted(p.name for p in (folder / "predictions" / "xnli").iterdir()) == ["dev-de.tsv", "dev-en.tsv"]
    assert xtask_main(["score", "--predictions", str(folder / "predictions"), "--labels", str(folder / "labels"),
                       "--partial"]) == 0
    printed = capsys.readouterr().out
    assert f"{outcome.results.scores.per_language['de'].metrics['accuracy']:.2f}" in printed
