"""The error every data reader raises for a file (or Hub split) it cannot parse."""

from __future__ import annotations


class MalformedDataError(ValueError):
    """A data file has a line the reader cannot parse; the message names file and line."""
