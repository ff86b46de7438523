"""A target phase interrupted (SIGINT) right after its last checkpoint, then resumed: what the
results record as the phase's time (paid, all attempts) against its last attempt alone (what
xtask 0.x recorded)."""
import os, signal, sys, json
from pathlib import Path
REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from transformers import TrainerCallback
from xtask.config import register_configs
from xtask.pipeline import preemption
from xtask.pipeline.cell import run_cell

out = Path(sys.argv[1]); STEPS = 60
args = [f"paths.outputs={out}", "inter=none", "target=xnli", "target.languages=[en]", f"train.target.max_steps={STEPS}",
        "train.target.save_steps=30", "train.target.logging_steps=10", "train.target.eval_strategy=no",
        "train.target.selection=last", "train.target.max_eval_examples=24", "logger=none"]
register_configs()
def cfg():
    GlobalHydra.instance().clear()
    with initialize_config_dir(config_dir=str(REPO / "conf"), version_base="1.3"):
        return compose(config_name="config", overrides=args)
real = preemption.callback
class Stop(TrainerCallback):
    def on_save(self, a, state, c, **k):
        if state.global_step == STEPS: os.kill(os.getpid(), signal.SIGINT)
preemption.callback = lambda: Stop()
try:
    run_cell(cfg())
except KeyboardInterrupt:
    pass
preemption.callback = real
(folder,) = (out / "cells").iterdir()
first = json.loads((folder / "target" / "attempts.json").read_text())["attempts"][0]
res = run_cell(cfg()).results
t = res.phases["target"]
print(f"attempt 1: {first['seconds']:.1f} s ({first['train_seconds']:.1f} s training, steps 0-{first['to_step']})")
print(f"recorded: seconds (paid) {t['seconds']:.1f} s, clean {t['clean_seconds']:.1f} s, attempts {t['attempts']}, "
      f"train_loss {t['train_loss']:.3f}; last attempt alone {t['seconds'] - first['seconds']:.1f} s "
      f"-> paid/last = {t['seconds'] / (t['seconds'] - first['seconds']):.1f}x")
