"""Errors of the data layer that are the user's to fix."""

from __future__ import annotations


class MissingDataError(FileNotFoundError):
    """A dataset the run needs is not where the config says; the message says how to get it."""
