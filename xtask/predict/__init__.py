"""Predicting the transfer matrix before paying for it (``xtask predict``), checking a prediction
against a finished matrix, and adaptive grids that run only the predicted best (issue 22)."""
