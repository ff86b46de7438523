"""SLURM's warning signal (USR2 before the time limit, or on preemption) -> checkpoint, then requeue.

submitit's own USR2 handler requeues the job and exits at once. Installed in front of it, this
module first lets the running Trainer finish its step and save a checkpoint, and only then hands
the signal to submitit; the requeued job reruns the cell, which resumes from that checkpoint.
Outside submitit (a local run, or a test), the hand-over raises :class:`Preempted` instead.
"""

from __future__ import annotations

import logging
import signal
from typing import Any

log = logging.getLogger(__name__)


class Preempted(Exception):
    """The job was told to stop; the current phase's checkpoint is saved, rerun to resume."""


class _State:
    requested = False
    training = False
    signum = signal.SIGUSR2
    previous: Any = None
    installed = False


state = _State()


def _hand_over() -> None:
    state.requested = False
    previous = state.previous
    if callable(previous):  # submitit: requeue this job and exit
        log.warning("checkpoint saved: handing signal %s to the job launcher (requeue)", state.signum)
        previous(state.signum, None)
    raise Preempted(f"stopped by signal {signal.Signals(state.signum).name}; the last checkpoint is saved")


def _on_signal(signum: int, frame: Any) -> None:
    state.requested, state.signum = True, signum
    log.warning("received %s: will checkpoint and stop", signal.Signals(signum).name)
    if not state.training:  # nothing in flight to save (finished phases are already on disk)
        _hand_over()


def install(signum: int = signal.SIGUSR2) -> None:
    """Put the checkpoint-first handler in front of whatever handles ``signum`` now (once)."""
    if state.installed:
        return
    state.previous = signal.getsignal(signum)
    if state.previous in (signal.SIG_DFL, signal.SIG_IGN):
        state.previous = None
    signal.signal(signum, _on_signal)
    state.installed = True


def uninstall(signum: int = signal.SIGUSR2) -> None:
    if state.installed:
        signal.signal(signum, state.previous or signal.SIG_DFL)
        state.installed, state.previous, state.requested, state.training = False, None, False, False


def callback() -> Any:
    """A TrainerCallback that saves a checkpoint after the step in which a signal arrived."""
    from transformers import TrainerCallback

    class PreemptionCallback(TrainerCallback):
        def on_train_begin(self, args: Any, st: Any, control: Any, **kwargs: Any) -> None:
            state.training = True

        def on_train_end(self, args: Any, st: Any, control: Any, **kwargs: Any) -> None:
            state.training = False

        def on_step_end(self, args: Any, st: Any, control: Any, **kwargs: Any) -> Any:
            if state.requested:
                control.should_save = True
            return control

        def on_save(self, args: Any, st: Any, control: Any, **kwargs: Any) -> None:
            if state.requested:
                state.training = False
                _hand_over()

    return PreemptionCallback()

