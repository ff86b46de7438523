"""The pipeline: one cell's phases, formats and training (what runs on a GPU node)."""
