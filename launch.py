"""Hydra entry point: compose a config, run one grid cell.

    python launch.py inter=mnli target=xnli seed=1             # one cell
    python launch.py -m inter=none,mnli target=xnli seed=1,2   # a grid
    python launch.py -m +sweep=demo                            # a named sweep from sweeps/
"""

from __future__ import annotations

import hydra
from omegaconf import DictConfig

from xtask.config import register_configs
from xtask.entry import exit_now, run_job

register_configs()


@hydra.main(version_base="1.3", config_path="conf", config_name="config")
def main(cfg: DictConfig) -> float:
    return run_job(cfg)


if __name__ == "__main__":
    main()  # a failure exits from inside (Hydra's SystemExit), the ordinary way
    exit_now(0)
