"""Weights & Biases: one run per (cell, phase), never allowed to kill or hang a cell.

Run ids are deterministic (the cell's signature + the phase; a shared intermediate encoder's
cache key), with ``resume="allow"``, so a requeued job continues its run instead of starting a
new one. ``group`` = sweep name, ``job_type`` = phase, tags = model / inter / target / seed.
The HF Trainer logs its curves into the run that is open while it trains. Before its first
online run a process probes the W&B server once (``logger.probe_timeout`` seconds); if it
cannot be reached, or if any online start fails, every later run of the process goes offline
at once (one warning), instead of each start waiting ``logger.init_timeout`` seconds.
``finish`` always runs (``with phase_run(...)``).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
import logging
import os
from pathlib import Path
from typing import Any, Dict, Iterator, List, Mapping, Optional, Tuple

from xtask.config import LoggerBackend, to_container

log = logging.getLogger(__name__)
DEFAULT_SERVER = "https://api.wandb.ai"
# Why this process logs offline although logger.mode=online (None: it does not).
_offline_reason: Optional[str] = None
_probed: Dict[str, Optional[str]] = {}


@dataclass(frozen=True)
class LogSettings:
    """What logging reads: the logger settings, where runs are written, the sweep (the W&B
    group) and what a run records as its config."""

    logger: Mapping[str, Any]
    outputs: Path
    sweep_name: str
    config: Mapping[str, Any]

    def get(self, key: str, default: Any = None) -> Any:
        found = self.logger.get(key, default)
        return default if found is None and default is not None else found


def settings_of(source: Any) -> LogSettings:
    """From a cell's plan (:class:`xtask.plan.cellplan.CellPlan`), or a composed config (a sweep's end)."""
    if isinstance(source, LogSettings):
        return source
    run = getattr(source, "run", None)
    if run is not None and hasattr(run, "logger"):
        return LogSettings(dict(run.logger), Path(run.outputs), str(run.sweep_name), dict(source.config))
    # A composed config (a sweep's end): its own parts, never Hydra's node (unresolvable outside a job).
    config = {key: to_container(source[key]) if hasattr(source[key], "keys") else source[key]
              for key in source.keys() if key != "hydra"}
    return LogSettings(config.get("logger") or {}, Path(config["paths"]["outputs"]), str(config.get("sweep_name")),
                       config)


def enabled(cfg: Any) -> bool:
    return str(settings_of(cfg).logger.get("backend")) in (LoggerBackend.wandb.value, str(LoggerBackend.wandb))


def wandb_dir(cfg: Any) -> Path:
    return settings_of(cfg).outputs.resolve() / "wandb"


def report_to(cfg: Any) -> str:
    """The Trainer's ``report_to``: its W&B callback logs into the run we opened."""
    return "wandb" if enabled(cfg) else "none"


def probe(server: str, timeout: float) -> Optional[str]:
    """Why ``server`` cannot be reached (None: it answered, whatever the HTTP status); once per
    process and server."""
    import urllib.error
    import urllib.request

    if server not in _probed:
        import threading

        found: List[Optional[str]] = []

        def ask() -> None:
            try:
                urllib.request.urlopen(server, timeout=timeout).close()
                found.append(None)
            except urllib.error.HTTPError:  # it answered: reachable
                found.append(None)
            except Exception as err:  # URLError, timeouts, refused connections, bad URLs
                found.append(f"{server} unreachable ({type(err).__name__}: {_first_line(err)})")

        # ``timeout`` bounds each socket operation, not the whole probe (name lookup, several
        # addresses, a server that accepts and never answers): a thread bounds it in all.
        asker = threading.Thread(target=ask, daemon=True, name="wandb-probe")
        asker.start()
        asker.join(timeout)
        _probed[server] = found[0] if found else f"{server} did not answer within {timeout:g} s"
    return _probed[server]


def go_offline(reason: str) -> None:
    """Log every later run of this process offline, saying why once."""
    global _offline_reason
    if _offline_reason is None:
        log.warning("W&B online is not available (%s): this job logs offline from now on; upload later with "
                    "`xtask sync`", reason)
        _offline_reason = reason


def _init(cfg: Any, mode: str, **kwargs: Any) -> Any:
    import wandb

    logger = settings_of(cfg).logger
    settings = wandb.Settings(init_timeout=logger.get("init_timeout", 60.0), silent=True)
    if logger.get("base_url"):
        settings.base_url = logger["base_url"]
    return wandb.init(mode=mode, settings=settings, **kwargs)


def start(cfg: Any, run_id: str, phase: str, name: str, tags: List[str],
          config: Optional[Dict[str, Any]] = None, extra: Optional[Dict[str, Any]] = None) -> Optional[Any]:
    """Open the phase's run (online, else offline); None when logging is off. ``config``: what
    the run records as its config (default: the whole resolved ``cfg``), plus ``extra``."""
    if not enabled(cfg):
        return None
    cfg = settings_of(cfg)
    logger = cfg.logger
    directory = wandb_dir(cfg)
    directory.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("WANDB_DIR", str(directory))
    os.environ["WANDB_LOG_MODEL"] = "false"  # checkpoints stay on our filesystem
    kwargs = dict(
        project=logger.get("project"), entity=logger.get("entity"), id=run_id, name=name, resume="allow",
        group=cfg.sweep_name, job_type=phase, tags=tags, dir=str(directory),
        config={**(config if config is not None else dict(cfg.config)), **(extra or {})},
        reinit="finish_previous",
    )
    mode = str(logger.get("mode"))
    if mode == "online" and _offline_reason is None:
        reason = probe(logger.get("base_url") or os.environ.get("WANDB_BASE_URL") or DEFAULT_SERVER,
                       float(logger.get("probe_timeout") or 2.0))
        if reason is not None:
            go_offline(reason)
    if mode == "online" and _offline_reason is not None:
        mode = "offline"
    try:
        return _init(cfg, mode, **kwargs)
    except Exception as err:  # W&B raises many kinds of errors; none may stop the cell
        if mode == "offline":
            log.warning("W&B could not start even offline (%s): this phase is not tracked", _first_line(err))
            return None
        go_offline(f"wandb.init failed: {_first_line(err)}")
        _reset_wandb()  # the failed attempt still holds the run id in W&B's service process
        try:
            return _init(cfg, "offline", **kwargs)
        except Exception as err2:
            log.warning("W&B offline fallback failed too (%s): this phase is not tracked", _first_line(err2))
            return None


def _first_line(err: BaseException) -> str:
    return (str(err).strip().splitlines() or [type(err).__name__])[0]


def _reset_wandb() -> None:
    import wandb

    for step in (wandb.finish, wandb.teardown):
        try:
            step()
        except Exception:
            pass


def finish(run: Optional[Any]) -> None:
    if run is None:
        return
    try:
        run.finish()
    except Exception as err:
        log.warning("W&B finish failed (%s); the local run folder keeps what was logged", err)


@contextlib.contextmanager
def phase_run(cfg: Any, run_id: str, phase: str, name: str, tags: List[str],
              extra: Optional[Dict[str, Any]] = None) -> Iterator[Optional[Any]]:
    run = start(cfg, run_id, phase, name, tags, extra=extra)
    try:
        yield run
    finally:
        finish(run)


def log_summary(run: Optional[Any], values: Dict[str, Any]) -> None:
    """Write ``values`` into the run summary (flattened with '/'), ignoring W&B errors."""
    if run is None:
        return
    flat: Dict[str, Any] = {}

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(f"{prefix}/{key}" if prefix else str(key), inner)
        elif isinstance(value, (int, float, str, bool)) or value is None:
            flat[prefix] = value

    walk("", values)
    try:
        run.summary.update(flat)
    except Exception as err:
        log.warning("W&B summary update failed (%s)", err)


def log_report(cfg: Any, sweep_dir: Path, reports: List[Any]) -> None:
    """A sweep's aggregate (:class:`xtask.report.aggregate.Report` per model) as one W&B run of
    job type ``report`` in the sweep's group: the transfer matrix (as shown and as numbers), the
    delta matrix, both heatmaps, and the best-per-target XTREME numbers in its summary. The id
    comes from the sweep folder, so aggregating the sweep again updates the same run."""
    import hashlib
    import math

    if not enabled(cfg) or not reports:
        return
    cfg = settings_of(cfg)
    run_id = "report-" + hashlib.sha256(str(Path(sweep_dir).resolve()).encode()).hexdigest()[:12]
    run = start(cfg, run_id, "report", f"report-{cfg.sweep_name}", [f"sweep:{cfg.sweep_name}"],
                config={"sweep_name": cfg.sweep_name, "sweep_dir": str(sweep_dir)})
    if run is None:
        return
    try:
        import wandb

        for report in reports:
            prefix = f"{report.model}/" if len(reports) > 1 else ""
            means = report.means.assign(avg=report.avg)
            run.log({
                f"{prefix}transfer_matrix": wandb.Table(dataframe=report.text.reset_index(names="inter")),
                f"{prefix}transfer_means": wandb.Table(dataframe=means.reset_index(names="inter")),
                f"{prefix}delta_matrix": wandb.Table(dataframe=report.delta.reset_index(names="inter")),
                f"{prefix}delta_heatmap": wandb.Image(str(report.out / "delta_heatmap.png")),
                f"{prefix}score_heatmap": wandb.Image(str(report.out / "score_heatmap.png")),
            })
            numbers = {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in report.summary.items()}
            log_summary(run, {f"{prefix}best_per_target": numbers})
    except Exception as err:  # the files are written already: W&B is a copy
        log.warning("W&B report logging failed (%s); the report files are in %s", _first_line(err), sweep_dir)
    finally:
        finish(run)


@dataclass
class SyncResult:
    """What ``xtask sync`` did: the offline runs found, those uploaded, and why the others were not."""

    found: List[Path] = field(default_factory=list)
    uploaded: List[Path] = field(default_factory=list)
    failed: List[Tuple[Path, str]] = field(default_factory=list)
    stopped: str = ""  # why the remaining runs were not tried (no API key)

    @property
    def ok(self) -> bool:
        return bool(self.found) and len(self.uploaded) == len(self.found)

    def render(self) -> str:
        if not self.found:
            return "no offline W&B runs (offline-run-*) found: nothing uploaded"
        lines = [f"uploaded {len(self.uploaded)} of {len(self.found)} offline run(s)"]
        lines += [f"  not uploaded: {run}: {why}" for run, why in self.failed]
        if self.stopped:
            lines.append(f"  stopped: {self.stopped}")
        return "\n".join(lines)


def sync(paths: List[Path]) -> SyncResult:
    """Upload offline run folders with ``wandb sync``, one by one; a run counts as uploaded when
    ``wandb sync`` succeeds for it. Without an API key nothing can be uploaded: said once, at
    the first run that fails for it."""
    import subprocess
    import sys

    result = SyncResult(found=[run for path in paths for run in sorted(Path(path).glob("**/offline-run-*")) if run.is_dir()])
    for run in result.found:
        done = subprocess.run([sys.executable, "-m", "wandb", "sync", str(run)], capture_output=True, text=True, check=False)
        output = f"{done.stdout}\n{done.stderr}"
        if done.returncode == 0 and "No runs to sync" not in output:
            result.uploaded.append(run)
            continue
        lines = [ln.strip() for ln in output.splitlines() if ln.strip()]
        why = next((ln for ln in reversed(lines) if "error" in ln.lower()), lines[-1] if lines else f"exit {done.returncode}")
        if "No runs to sync" in output:
            why = "wandb found nothing to upload in it (an empty or damaged run folder)"
        if "API key" in output:
            result.stopped = ("no W&B API key is configured: run `wandb login` or set WANDB_API_KEY, then "
                              "`xtask sync` again (nothing was uploaded after this)")
            result.failed.append((run, "no API key"))
            break
        result.failed.append((run, why))
    return result


def tags_for(plan: Any) -> List[str]:
    """A cell's W&B tags, from its plan."""
    return [f"model:{plan.model.name}", f"inter:{plan.inter}", f"target:{plan.target.name}", f"seed:{plan.seed}"]

