"""transformers' load report, told apart: what every head swap causes is one summarised line,
what nobody expects stays loud.

Loading an encoder into a model with a task head always leaves keys behind: the new head is
missing (it is initialised fresh), the pretraining head (``lm_head``) or the previous phase's
head is unexpected, a pooler may be dropped or fresh. transformers prints a table of them for
every load (``... LOAD REPORT``, UNEXPECTED/MISSING), for each of the hundreds of expected head
swaps of a grid. :func:`load` holds that table back while loading and sorts the keys:

* expected: missing keys outside the encoder (the new head), unexpected keys outside it (an old
  head), and a pooler either way -> one INFO line ("fresh head classifier.* (4 tensors),
  dropped lm_head.* (5)");
* anything else (an encoder weight missing, or of another shape) -> the table as transformers
  wrote it, as a warning, and a warning naming the keys.
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any, Iterator, List, Tuple

log = logging.getLogger(__name__)

_REPORT = "LOAD REPORT"


class _Hold(logging.Filter):
    """Keeps transformers' load-report records instead of letting them print."""

    def __init__(self) -> None:
        super().__init__()
        self.held: List[logging.LogRecord] = []

    def filter(self, record: logging.LogRecord) -> bool:
        if _REPORT in record.getMessage():
            self.held.append(record)
            return False
        return True


@contextlib.contextmanager
def _held() -> Iterator[_Hold]:
    hold = _Hold()
    loggers = [logging.getLogger(name) for name in ("transformers.modeling_utils", "transformers.modeling_layers")]
    for logger in loggers:
        logger.addFilter(hold)
    try:
        yield hold
    finally:
        for logger in loggers:
            logger.removeFilter(hold)


def _groups(keys: List[str]) -> str:
    """``classifier.* (4), lm_head.* (5)``: keys grouped by their first part."""
    counts: dict = {}
    for key in keys:
        counts[key.split(".", 1)[0]] = counts.get(key.split(".", 1)[0], 0) + 1
    return ", ".join(f"{name}.* ({n})" for name, n in counts.items())


def sort_keys(model: Any, info: dict) -> Tuple[List[str], List[str], List[str]]:
    """(fresh, dropped, unexpected problems) of a load: the head keys, and what is not a head's."""
    prefix = f"{getattr(model, 'base_model_prefix', '')}."
    base = getattr(model, "base_model", model)
    # The encoder's own parts (embeddings, encoder ...), not its pooler: a key whose first part,
    # after the base model's prefix, is one of them is the encoder's.
    parts = {name for name, _ in base.named_children()} - {"pooler"}

    def in_encoder(key: str) -> bool:
        rest = key[len(prefix):] if prefix != "." and key.startswith(prefix) else key
        return rest.split(".", 1)[0] in parts

    missing, unexpected = list(info.get("missing_keys") or []), list(info.get("unexpected_keys") or [])
    problems = [k for k in missing if in_encoder(k)] + [k for k in unexpected if in_encoder(k)]
    problems += [str(k) for k in info.get("mismatched_keys") or []]
    fresh = [k for k in missing if not in_encoder(k)]
    dropped = [k for k in unexpected if not in_encoder(k)]
    return fresh, dropped, problems


def load(auto: Any, path: str, **kwargs: Any) -> Any:
    """``auto.from_pretrained(path, **kwargs)`` with its load report summarised (see the module)."""
    return load_with_info(auto, path, **kwargs)[0]


def load_with_info(auto: Any, path: str, **kwargs: Any) -> Tuple[Any, dict]:
    """(model, loading info) as ``from_pretrained(..., output_loading_info=True)``, the report summarised."""
    kwargs.pop("output_loading_info", None)
    with _held() as hold:
        model, info = auto.from_pretrained(path, output_loading_info=True, **kwargs)
    fresh, dropped, problems = sort_keys(model, info)
    if problems:
        for record in hold.held:
            logging.getLogger(record.name).handle(record)
        log.warning("loading %s from %s: unexpected differences in the encoder: %s", type(model).__name__, path,
                    ", ".join(problems[:20]) + (f" ... ({len(problems)} in all)" if len(problems) > 20 else ""))
    elif fresh or dropped:
        parts = ([f"fresh {_groups(fresh)}"] if fresh else []) + ([f"dropped {_groups(dropped)}"] if dropped else [])
        log.info("loaded %s from %s: %s (expected: heads and poolers, not the encoder)", type(model).__name__, path,
                 "; ".join(parts))
    return model, info
