"""xtask's local launcher as a Hydra plugin (Hydra instantiates launchers from this package
only): ``hydra/launcher=local`` (conf/hydra/launcher/local.yaml). What it does and why:
:mod:`xtask.launchers`."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any, Sequence

from hydra_plugins.hydra_submitit_launcher import submitit_launcher

log = logging.getLogger(__name__)


class LocalLauncher(submitit_launcher.LocalLauncher):
    """hydra-submitit-launcher's local launcher, with a bounded number of cells at a time, each
    with ``cpus_per_task`` threads."""

    def launch(self, job_overrides: Sequence[Sequence[str]], initial_job_idx: int) -> Sequence[Any]:
        from hydra.core.singleton import Singleton
        from hydra.core.utils import filter_overrides

        from xtask.launchers import available_cores, parallel_jobs, run_bounded

        assert self.config is not None and len(job_overrides) > 0
        executor = self._executor()
        threads = int(self.params.get("cpus_per_task") or 1)
        at_once = parallel_jobs(threads, int(self.params.get("gpus_per_node") or 0), available_cores())
        sweep_dir = Path(str(self.config.hydra.sweep.dir))
        sweep_dir.mkdir(parents=True, exist_ok=True)
        if "mode" in self.config.hydra.sweep:
            os.chmod(sweep_dir, mode=int(str(self.config.hydra.sweep.mode), 8))
        log.info(f"Submitit 'local' sweep output dir : {sweep_dir}; {at_once} cell(s) at a time, "
                 f"{threads} thread(s) each")
        params = []
        for idx, overrides in enumerate(job_overrides, start=initial_job_idx):
            log.info(f"\t#{idx} : {' '.join(filter_overrides(overrides))}")
            params.append((list(overrides), "hydra.sweep.dir", idx, f"job_id_for_{idx}", Singleton.get_state()))
        jobs = run_bounded(lambda *p: executor.submit(self, *p), params, at_once, threads)
        return [job.results()[0] for job in jobs]

    def _executor(self) -> Any:
        """The plugin's executor, built from the launcher config as the plugin builds it."""
        import submitit
        from hydra_plugins.hydra_submitit_launcher.config import BaseQueueConf
        from omegaconf import OmegaConf

        init = {"folder": self.params["submitit_folder"]}
        if "max_num_timeout" in self.params:
            init["local_max_num_timeout"] = self.params["max_num_timeout"]
        executor = submitit.AutoExecutor(cluster="local", **init)
        base = set(OmegaConf.structured(BaseQueueConf).keys())
        executor.update_parameters(**{key if key in base else f"local_{key}": value for key, value in self.params.items()
                                      if key not in ("submitit_folder", "max_num_timeout")})
        return executor
