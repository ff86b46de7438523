"""A training phase's figures over all its attempts, not only the last one.

A phase can take several attempts: killed, preempted or stopped by a full disk, it resumes from
its last complete checkpoint. The Trainer's own figures describe only the last attempt: resumed
with no step left, its ``training_loss`` is 0.0 and its ``train_runtime`` a millisecond, and an
attempt killed after an hour of work leaves no trace at all. So each phase keeps a ledger,
``<phase folder>/attempts.json``, beside its checkpoints:

* every attempt appends an entry when it starts, and a Trainer callback updates it while it
  runs (every ``every_s`` seconds and at every checkpoint), so a killed attempt's time is
  counted up to its last update;
* :func:`whole_phase` then gives the phase's metrics: ``train_loss`` from the logged history
  (each logged loss weighted by the steps it covers; the checkpoints carry the history of
  earlier attempts), ``seconds`` = the wall time of all attempts (what the GPU was paid for,
  lost work included), ``clean_seconds`` = the time one uninterrupted attempt would have taken
  (the phase's steps at the measured seconds per step, plus one attempt's fixed cost),
  ``attempts`` and ``steps_run`` (steps computed, redone ones included).

The ledger goes away with the phase's checkpoints once the phase has finished.
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

from xtask.atomic import write_json_atomic

log = logging.getLogger(__name__)

LEDGER = "attempts.json"


@dataclass
class Attempt:
    started: float
    seconds: float = 0.0  # wall time of the attempt so far (model loading, features, training, evaluation)
    train_seconds: float = 0.0  # of which in the training loop
    from_step: int = 0  # the step it resumed from
    to_step: int = 0  # the last step it completed
    finished: bool = False


@dataclass
class Ledger:
    path: Path
    attempts: List[Attempt] = field(default_factory=list)
    every_s: float = 15.0
    _written: float = 0.0
    _train_started: Optional[float] = None

    @classmethod
    def open(cls, out_dir: Path) -> "Ledger":
        """The phase's ledger, with a new attempt started now."""
        path = Path(out_dir) / LEDGER
        attempts: List[Attempt] = []
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            attempts = [Attempt(**a) for a in raw.get("attempts", [])]
        except FileNotFoundError:
            pass
        except (OSError, ValueError, TypeError, AttributeError) as err:
            log.warning("%s is unreadable (%s): earlier attempts of this phase are not counted", path, err)
        ledger = cls(path, attempts)
        ledger.attempts.append(Attempt(started=time.time()))
        ledger.write()
        return ledger

    @property
    def current(self) -> Attempt:
        return self.attempts[-1]

    def training_starts(self, from_step: int) -> None:
        self.current.from_step = self.current.to_step = int(from_step)
        self._train_started = time.time()
        self.write()

    def progress(self, step: int, force: bool = False) -> None:
        now = time.time()
        self.current.to_step = int(step)
        self.current.seconds = now - self.current.started
        if self._train_started is not None:
            self.current.train_seconds = now - self._train_started
        if force or now - self._written >= self.every_s:
            self.write()

    def finish(self, step: int) -> None:
        self.progress(step)
        self._train_started = None
        self.current.finished = True
        self.write()

    def write(self) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            write_json_atomic(self.path, {"attempts": [asdict(a) for a in self.attempts]})
            self._written = time.time()
        except OSError as err:  # bookkeeping never fails a phase (a full disk is reported elsewhere)
            log.warning("could not update %s (%s)", self.path, err)

    def remove(self) -> None:
        self.path.unlink(missing_ok=True)

    @contextlib.contextmanager
    def recording(self, trainer: Any) -> Iterator[None]:
        """Around ``trainer.train``: an attempt stopped by an exception (Ctrl-C, preemption, a
        full disk) writes how far it got before the exception goes on."""
        try:
            yield
        except BaseException:
            self.progress(int(getattr(trainer.state, "global_step", self.current.to_step)), force=True)
            raise

    def callback(self) -> Any:
        """A Trainer callback that keeps the current attempt's entry up to date."""
        from transformers import TrainerCallback

        ledger = self

        class _Progress(TrainerCallback):
            def on_train_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
                ledger.training_starts(state.global_step)

            def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
                ledger.progress(state.global_step)

            def on_save(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
                ledger.progress(state.global_step, force=True)

        return _Progress()


def logged_loss(log_history: List[Dict[str, Any]]) -> Optional[float]:
    """The mean training loss over the logged steps: each logged ``loss`` (a mean over the steps
    since the previous log) weighted by those steps. None when nothing was logged."""
    total, steps, previous = 0.0, 0, 0
    for entry in sorted((e for e in log_history if "loss" in e and "step" in e), key=lambda e: e["step"]):
        step = int(entry["step"])
        if step <= previous:
            continue  # logged twice (an attempt redid steps a later checkpoint did not keep)
        total += float(entry["loss"]) * (step - previous)
        steps += step - previous
        previous = step
    return total / steps if steps else None


def whole_phase(ledger: Ledger, log_history: List[Dict[str, Any]], final_step: int,
                last_attempt_loss: Optional[float]) -> Dict[str, Any]:
    """The phase's metrics over all its attempts (see the module's docstring). ``final_step``:
    the phase's last step; ``last_attempt_loss``: the Trainer's ``training_loss`` of this
    attempt, used only when no loss was logged and this attempt ran every step."""
    attempts = ledger.attempts
    seconds = sum(a.seconds for a in attempts)
    steps_run = sum(max(a.to_step - a.from_step, 0) for a in attempts)
    train_seconds = sum(a.train_seconds for a in attempts)
    overhead = min((a.seconds - a.train_seconds for a in attempts if a.finished), default=0.0)
    clean = overhead + (train_seconds / steps_run * final_step if steps_run else train_seconds)
    loss = logged_loss(log_history)
    if loss is None and ledger.current.from_step == 0 and final_step > 0:
        loss = last_attempt_loss
    return {
        "train_loss": loss,
        "train_seconds": train_seconds,
        "seconds": seconds,
        "clean_seconds": min(clean, seconds),
        "attempts": len(attempts),
        "steps_run": steps_run,
    }
