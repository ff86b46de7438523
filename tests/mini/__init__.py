"""Synthetic multilingual mini datasets (a tiny compositional world in 9 languages), written by us."""
