"""Scoring of XTREME predictions with the numbers of XTREME's official ``evaluate.py``:
:mod:`xtask.scoring.metrics` (the metrics, a leaf every layer may use), :mod:`xtask.scoring.files`
(the prediction and label files) and :mod:`xtask.scoring.xtreme` (scoring folders by task)."""
