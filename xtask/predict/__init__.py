"""Predicting the transfer matrix before paying for it, and checking the prediction (issue 22)."""
