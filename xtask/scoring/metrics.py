"""XTREME's metrics on in-memory data, as percentages (0-100).

Each function gives the numbers of XTREME's ``evaluate.py`` (and of the SQuAD v1.1 and MLQA
scripts it calls) for the same inputs; where those scripts would crash on bad input, these
raise a ``ValueError`` that says what is wrong instead.
"""

from __future__ import annotations

import functools
import logging
import re
import string
import sys
import unicodedata
import warnings
from collections import Counter
from typing import Any, Callable, Dict, FrozenSet, List, Mapping, Optional, Sequence, Tuple


log = logging.getLogger(__name__)

Scores = Dict[str, float]
SquadData = Sequence[Mapping[str, Any]]


# --------------------------------------------------------------------------- classification


def accuracy(labels: Sequence[str], predictions: Sequence[str]) -> Scores:
    """Share of predictions equal to their label (XNLI, PAWS-X, Tatoeba)."""
    if len(labels) != len(predictions):
        raise ValueError(f"{len(predictions)} predictions for {len(labels)} labels; they must pair up one to one")
    if not predictions:
        raise ValueError("accuracy of zero examples is undefined")
    correct = sum(1 for gold, guess in zip(labels, predictions) if gold == guess)
    return {"accuracy": 100.0 * correct / len(predictions)}


# --------------------------------------------------------------------------- tagging


def tagging_f1(labels: List[List[str]], predictions: List[List[str]]) -> Scores:
    """Entity-level micro F1/precision/recall of seqeval's default (conlleval-like) mode (UD-POS, PAN-X).

    In that mode an ``I-X`` after ``O`` or after another type opens an entity, and a change of
    type closes one; UD-POS tags (``NOUN``, ...) go through the same chunker, as in XTREME.
    """
    if len(labels) != len(predictions):
        raise ValueError(f"{len(predictions)} predicted sentences for {len(labels)} labelled sentences")
    for index, (gold, guess) in enumerate(zip(labels, predictions)):
        if len(gold) != len(guess):
            raise ValueError(f"sentence {index} (counting from 0) has {len(gold)} labels but {len(guess)} predicted tags")
    # Imported here: seqeval pulls in scikit-learn (~1 s), which only tagging targets need.
    from seqeval.metrics import f1_score, precision_score, recall_score

    labels = [list(sentence) for sentence in labels]
    predictions = [list(sentence) for sentence in predictions]
    with warnings.catch_warnings():
        # seqeval warns about non-IOB tags (all of UD-POS) and about 0/0; neither changes a number.
        warnings.simplefilter("ignore")
        return {
            "f1": 100.0 * float(f1_score(labels, predictions)),  # seqeval gives numpy floats
            "precision": 100.0 * float(precision_score(labels, predictions)),
            "recall": 100.0 * float(recall_score(labels, predictions)),
        }


def tagging_entities(sentences: List[List[str]]) -> "FrozenSet[Tuple[str, int, int]]":
    """The entities seqeval's default mode finds in a file of sentences (as :func:`tagging_f1`
    chunks it): (type, start, end) over the sentences joined with an ``O`` after each."""
    from seqeval.metrics.sequence_labeling import get_entities

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # non-IOB tags (UD-POS): the same chunks, as in tagging_f1
        return frozenset(get_entities([list(s) for s in sentences]))


def tagging_counts(labels: List[List[str]], predictions: List[List[str]],
                   gold: "Optional[FrozenSet[Tuple[str, int, int]]]" = None) -> "Tuple[Any, Any, Any]":
    """Per sentence: (correct entities, predicted entities, gold entities) as :func:`tagging_f1`
    counts them (seqeval's chunker on the whole file, each entity assigned to its sentence), so
    that ``2 * sum(correct) / (sum(predicted) + sum(gold))`` of any set of sentences is their
    micro F1: a bootstrap resamples sentences by summing these (see xtask.report.units).
    ``gold``: ``tagging_entities(labels)`` when already known (many cells share a label file)."""
    import numpy as np

    if len(labels) != len(predictions):
        raise ValueError(f"{len(predictions)} predicted sentences for {len(labels)} labelled sentences")
    # Entity starts map back to their sentence through the joined file's sentence offsets.
    starts = np.cumsum([0] + [len(sentence) + 1 for sentence in labels])
    gold = tagging_entities(labels) if gold is None else gold
    guessed = tagging_entities(predictions)

    def per_sentence(entities: Any) -> Any:
        positions = np.fromiter((start for _, start, _ in entities), dtype=np.int64, count=len(entities))
        return np.bincount(np.searchsorted(starts, positions, side="right") - 1, minlength=len(labels))

    return per_sentence(gold & guessed), per_sentence(guessed), per_sentence(gold)


# --------------------------------------------------------------------------- retrieval


def bucc_f1(labels: Sequence[str], predictions: Sequence[str]) -> Scores:
    """F1 of the set of predicted ``src<TAB>tgt`` pairs against the gold set; 0 when none is right."""
    gold = {tuple(line.split("\t")) for line in labels}
    guessed = {tuple(line.split("\t")) for line in predictions}
    hits = len(gold & guessed)
    if hits == 0:
        return {"f1": 0.0, "precision": 0.0, "recall": 0.0}
    precision = hits / len(guessed)
    recall = hits / len(gold)
    f1 = 2 * precision * recall / (precision + recall)
    return {"f1": 100.0 * f1, "precision": 100.0 * precision, "recall": 100.0 * recall}


def bucc_counts(labels: Sequence[str], predictions: Sequence[str]) -> "Tuple[List[str], Any, Any, Any]":
    """Per source sentence (the first field of a pair): (sources, correct pairs, predicted pairs,
    gold pairs) of :func:`bucc_f1`'s sets, so ``2 * sum(correct) / (sum(predicted) + sum(gold))``
    of any set of sources is their pair F1 (a source in neither set adds nothing, so it is left out)."""
    import numpy as np

    gold = {tuple(line.split("\t")) for line in labels}
    guessed = {tuple(line.split("\t")) for line in predictions}
    sources = sorted({pair[0] for pair in gold | guessed})
    index = {source: i for i, source in enumerate(sources)}

    def count(pairs: Any) -> Any:
        return np.bincount([index[pair[0]] for pair in pairs], minlength=len(sources)).astype(np.int64)

    return sources, count(gold & guessed), count(guessed), count(gold)


# --------------------------------------------------------------------------- question answering

_ASCII_PUNCTUATION: FrozenSet[str] = frozenset(string.punctuation)
_ENGLISH_ARTICLES = re.compile(r"\b(?:a|an|the)\b")


def normalize_squad(text: str) -> str:
    """SQuAD v1.1: lower-case, drop ASCII punctuation, drop a/an/the, collapse whitespace."""
    text = "".join(ch for ch in text.lower() if ch not in _ASCII_PUNCTUATION)
    return " ".join(_ENGLISH_ARTICLES.sub(" ", text).split())


@functools.lru_cache(maxsize=1)
def mlqa_punctuation() -> FrozenSet[str]:
    """Every Unicode punctuation character (categories P*), plus ASCII ``string.punctuation``.

    Built on first use: it scans the whole code space, which takes a moment.
    """
    unicode_punct = (chr(code) for code in range(sys.maxunicode + 1))
    return frozenset(ch for ch in unicode_punct if unicodedata.category(ch).startswith("P")) | _ASCII_PUNCTUATION


def _word_regex(words: str) -> "re.Pattern[str]":
    return re.compile(r"\b(?:" + "|".join(words.split()) + r")\b")


# Articles MLQA removes, per answer language (hi and zh have none).
_MLQA_ARTICLES: Dict[str, Callable[[str], str]] = {
    "en": functools.partial(_word_regex("a an the").sub, " "),
    "es": functools.partial(_word_regex("un una unos unas el la los las").sub, " "),
    "de": functools.partial(_word_regex("ein eine einen einem eines einer der die das den dem des").sub, " "),
    "vi": functools.partial(_word_regex("của là cái chiếc những").sub, " "),
    # MLQA's Arabic pattern is an alternation whose first branch can never match (it needs the
    # start of the string after three characters), so it replaces every "ال" with a space.
    "ar": lambda text: text.replace("ال", " "),
    "hi": lambda text: text,
    "zh": lambda text: text,
}
_WHITESPACE_LANGUAGES: FrozenSet[str] = frozenset({"en", "es", "de", "vi", "ar", "hi"})
MLQA_LANGUAGES = tuple(_MLQA_ARTICLES)


def _is_cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fa5"


def mixed_segmentation(text: str) -> List[str]:
    """MLQA's Chinese tokens: each CJK ideograph or punctuation mark alone, other runs split on whitespace."""
    punct = mlqa_punctuation()
    tokens: List[str] = []
    run_start = 0
    for position, ch in enumerate(text):
        if _is_cjk(ch) or ch in punct:
            tokens.extend(text[run_start:position].split())
            tokens.append(ch)
            run_start = position + 1
    tokens.extend(text[run_start:].split())
    return tokens


def _check_mlqa_language(lang: str) -> None:
    if lang not in _MLQA_ARTICLES:
        raise ValueError(f"MLQA cannot normalise answers in language {lang!r}; supported: {', '.join(MLQA_LANGUAGES)}")


def normalize_mlqa(text: str, lang: str) -> str:
    """MLQA: lower-case, drop Unicode punctuation, drop the language's articles, re-tokenise, join by spaces."""
    _check_mlqa_language(lang)
    punct = mlqa_punctuation()
    text = "".join(ch for ch in text.lower() if ch not in punct)
    text = _MLQA_ARTICLES[lang](text)
    tokens = text.split() if lang in _WHITESPACE_LANGUAGES else mixed_segmentation(text)
    return " ".join(token for token in tokens if token.strip())


def _token_f1(prediction: List[str], gold: List[str]) -> float:
    same = sum((Counter(prediction) & Counter(gold)).values())
    if same == 0:
        return 0.0
    precision = same / len(prediction)
    recall = same / len(gold)
    return 2 * precision * recall / (precision + recall)


def _qa_per_question(
    dataset: SquadData, predictions: Mapping[str, str], normalize: Callable[[str], str], unanswerable: bool = False
) -> Tuple[List[str], List[float], List[float]]:
    """(question ids, EM, F1) per question, each 0/1 or in [0, 1], the best over the question's
    gold answers; a question without a prediction scores 0 (and is logged).

    With ``unanswerable`` (SQuAD 2.0), a question without gold answers expects the empty string,
    and F1 against an empty gold or prediction is 1 if both are empty, else 0."""
    ids: List[str] = []
    exact: List[float] = []
    f1: List[float] = []
    unanswered: List[str] = []
    for article in dataset:
        for paragraph in article["paragraphs"]:
            for qa in paragraph["qas"]:
                qid = qa["id"]
                ids.append(qid)
                if qid not in predictions:
                    unanswered.append(qid)
                    exact.append(0.0)
                    f1.append(0.0)
                    continue
                golds = [normalize(answer["text"]) for answer in qa["answers"]]
                if unanswerable:
                    golds = [gold for gold in golds if gold] or [""]
                if not golds:
                    raise ValueError(f"question {qid!r} has no gold answers, so its prediction cannot be scored")
                guess = normalize(predictions[qid])
                exact.append(float(max(int(guess == gold) for gold in golds)))
                f1.append(max(
                    float(guess == gold) if unanswerable and not (guess and gold) else _token_f1(guess.split(), gold.split())
                    for gold in golds
                ))
    if not ids:
        raise ValueError("the dataset holds no questions")
    if unanswered:
        log.warning("%d of %d questions have no prediction and score 0 (first: %s)", len(unanswered), len(ids), unanswered[0])
    return ids, exact, f1


def _qa_scores(
    dataset: SquadData, predictions: Mapping[str, str], normalize: Callable[[str], str], unanswerable: bool = False
) -> Scores:
    """EM and token F1 (see :func:`_qa_per_question`), averaged over all questions."""
    ids, exact, f1 = _qa_per_question(dataset, predictions, normalize, unanswerable)
    return {"exact_match": 100.0 * sum(exact) / len(ids), "f1": 100.0 * sum(f1) / len(ids)}


def qa_per_question(dataset: SquadData, predictions: Mapping[str, str], lang: str, normalisation: str = "squad",
                    unanswerable: bool = False) -> Tuple[List[str], List[float], List[float]]:
    """(ids, EM, F1) per question with the task's normalisation (``squad``, or ``mlqa`` with
    ``lang``'s): the per-question terms whose means :func:`squad_em_f1` / :func:`mlqa_em_f1` are."""
    if normalisation == "mlqa":
        _check_mlqa_language(lang)
        return _qa_per_question(dataset, predictions, functools.partial(normalize_mlqa, lang=lang))
    return _qa_per_question(dataset, predictions, normalize_squad, unanswerable)


def squad_em_f1(dataset: SquadData, predictions: Mapping[str, str]) -> Scores:
    """SQuAD v1.1 exact match and F1 (XQuAD, TyDiQA-GoldP); ``dataset`` is the SQuAD ``data`` list."""
    return _qa_scores(dataset, predictions, normalize_squad)


def squad_v2_em_f1(dataset: SquadData, predictions: Mapping[str, str]) -> Scores:
    """SQuAD 2.0 exact match and F1: unanswerable questions expect an empty prediction."""
    return _qa_scores(dataset, predictions, normalize_squad, unanswerable=True)


def mlqa_em_f1(dataset: SquadData, predictions: Mapping[str, str], lang: str) -> Scores:
    """MLQA exact match and F1 with ``lang``'s normalisation (one of :data:`MLQA_LANGUAGES`)."""
    _check_mlqa_language(lang)
    return _qa_scores(dataset, predictions, functools.partial(normalize_mlqa, lang=lang))
