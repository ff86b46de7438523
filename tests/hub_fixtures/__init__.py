"""Offline stand-ins for the Hugging Face Hub datasets xtask reads (see SCHEMAS.md).

``schemas`` holds the expected config names, split names and features of every dataset in one
place; ``generate`` writes a local folder per dataset id, laid out as the Hub serves it, with a
few synthetic rows per split.
"""
