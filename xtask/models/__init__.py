"""Pretrained starting points: encoder families, tiny offline builds, converted local models."""
