"""Errors that are the user's to fix, shown as one message without a traceback."""

from __future__ import annotations


class ConfigError(ValueError):
    """A composed config that cannot run; the message names each bad value and its key."""
