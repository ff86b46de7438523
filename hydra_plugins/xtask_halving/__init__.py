"""xtask's halving sweeper as a Hydra plugin (Hydra instantiates sweepers from this package
only): ``+adaptive=halving`` selects it (conf/adaptive/halving.yaml, conf/hydra/sweeper/halving.yaml).
What it does: :mod:`xtask.predict.sweeper`."""

from __future__ import annotations

from xtask.predict import sweeper


class HalvingSweeper(sweeper.HalvingSweeper):
    """Phase 1 for every intermediate task, a prediction, then phase 2 for the top k per target."""
