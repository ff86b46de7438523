"""Task formats in isolation: QA offsets back to the exact answer text, tag alignment, retrieval."""

from __future__ import annotations


import datasets
import numpy as np
import pytest

from xtask.pipeline.formats.qa import best_spans, encode_windows, squad_json
from xtask.pipeline.formats.tagging import IGNORE, align_labels, chunk_words
from xtask.pipeline.retrieval import best_threshold, margin_candidates, nearest
from xtask.data.canonical import QA as QA_FEATURES
from xtask.data.sources import read_split


# (language, context, answer): the answer occurs once, after some text, in several scripts.
QA_CASES = [
    ("en", "The teacher is reading in the library. The dog is sleeping by the river.", "by the river"),
    ("zh", "那位老师在图书馆看书。那只狗在河边睡觉。", "在河边"),
    ("ar", "المعلم يقرأ في المكتبة. الكلب ينام بجانب النهر.", "بجانب النهر"),
    ("th", "ครูกำลังอ่านหนังสือในห้องสมุดสุนัขกำลังนอนริมแม่น้ำ", "ริมแม่น้ำ"),
    ("hi", "शिक्षक पुस्तकालय में पढ़ रहा है। कुत्ता नदी के किनारे सो रहा है।", "नदी के किनारे"),
    ("ru", "Учитель читает в библиотеке. Собака спит у реки.", "у реки"),
]


def _qa_dataset(cases) -> datasets.Dataset:
    rows = [
        {"id": f"q-{lang}", "title": "", "context": context, "question": "Where?",
         "answers": {"text": [answer], "answer_start": [context.index(answer)]}}
        for lang, context, answer in cases
    ]
    return datasets.Dataset.from_list(rows, features=QA_FEATURES)


@pytest.mark.parametrize("max_length,stride", [(128, 32), (24, 8)])
def test_qa_gold_token_spans_map_back_to_the_exact_answer(tokenizer, max_length, stride) -> None:
    raw = _qa_dataset(QA_CASES)
    train = encode_windows(raw, tokenizer, max_length, stride, with_positions=True)
    meta = encode_windows(raw, tokenizer, max_length, stride, with_positions=False)
    assert len(train) == len(meta) >= len(raw)
    if max_length == 24:
        assert len(train) > len(raw), "short windows must split some contexts"
    found = {}
    for row in range(len(train)):
        start, end = train[row]["start_positions"], train[row]["end_positions"]
        if start == 0:
            continue  # this window does not hold the answer
        offsets = meta[row]["offset_mapping"]
        example = raw[meta[row]["example"]]
        found.setdefault(example["id"], set()).add(example["context"][offsets[start][0] : offsets[end][1]])
    for lang, context, answer in QA_CASES:
        assert found.get(f"q-{lang}") == {answer}, lang


def test_best_spans_cuts_answers_from_the_original_context(tokenizer) -> None:
    raw = _qa_dataset(QA_CASES)
    train = encode_windows(raw, tokenizer, 128, 32, with_positions=True)
    meta = encode_windows(raw, tokenizer, 128, 32, with_positions=False)
    width = max(len(ids) for ids in meta["input_ids"])
    start_logits = np.full((len(meta), width), -10.0)
    end_logits = np.full((len(meta), width), -10.0)
    for row in range(len(meta)):
        start_logits[row, train[row]["start_positions"]] = 5.0
        end_logits[row, train[row]["end_positions"]] = 5.0
        start_logits[row, 0] = end_logits[row, 0] = 50.0  # <s> scores highest but is no valid span
    answers = best_spans(raw, meta, start_logits, end_logits, n_best=20, max_answer_length=30)
    assert answers == {f"q-{lang}": answer for lang, _, answer in QA_CASES}
    # A max_answer_length shorter than every gold span forbids them all.
    short = best_spans(raw, meta, start_logits, end_logits, n_best=1, max_answer_length=1)
    assert all(len(tokenizer.tokenize(text)) <= 1 for text in short.values())


def test_squad_json_round_trips_gold_answers() -> None:
    raw = _qa_dataset(QA_CASES[:2])
    data = squad_json(raw)["data"]
    qa = data[1]["paragraphs"][0]["qas"][0]
    context = data[1]["paragraphs"][0]["context"]
    start, text = qa["answers"][0]["answer_start"], qa["answers"][0]["text"]
    assert context[start : start + len(text)] == text == "在河边"


def test_chunks_fit_the_budget_and_cover_every_word() -> None:
    counts = [3, 1, 4, 1, 5, 9, 2, 6]
    chunks = chunk_words(counts, budget=10)
    assert chunks[0][0] == 0 and chunks[-1][1] == len(counts)
    assert all(a[1] == b[0] for a, b in zip(chunks, chunks[1:]))  # contiguous, no gaps
    for start, end in chunks:
        assert sum(counts[start:end]) <= 10 or end - start == 1
    assert chunk_words([12], budget=10) == [(0, 1)]  # a word longer than the budget stays whole


def test_first_subword_gets_the_label(tokenizer) -> None:
    words = ["Maria", "Lopez", "works", "in", "Berlin"]
    enc = tokenizer(words, is_split_into_words=True)
    labels = align_labels(enc.word_ids(), [1, 2, 0, 0, 5])
    kept = [label for label in labels if label != IGNORE]
    assert kept == [1, 2, 0, 0, 5]
    assert labels[0] == IGNORE and labels[-1] == IGNORE  # <s> and </s>


def test_tagging_round_trip_through_features(tokenizer) -> None:
    """Encode long sentences into chunks, 'predict' the gold ids back, reassemble: same tags."""
    from xtask.pipeline.formats.tagging import META, TaggingFormat
    from xtask.tasks import TARGET_TASKS

    task = TARGET_TASKS["panx"]
    words = ("Maria Lopez works for Siemens in New York and Berlin " * 6).split()
    tags = ["B-PER", "I-PER", "O", "O", "B-ORG", "O", "B-LOC", "I-LOC", "O", "B-LOC"] * 6
    raw = datasets.Dataset.from_list(
        [{"id": "s0", "tokens": words, "tags": tags}, {"id": "s1", "tokens": ["Hi"], "tags": ["O"]}]
    )
    features = TaggingFormat()._features(raw, tokenizer, max_length=16, task=task)
    assert len(features) > 2, "the long sentence must be cut into chunks"
    rebuilt = [[None] * len(raw[i]["tokens"]) for i in range(len(raw))]
    for row in features:
        gold_ids = [label for label in row["labels"] if label != IGNORE]
        assert len(gold_ids) == len(row["positions"])
        for offset, label in enumerate(gold_ids):
            rebuilt[row["example"]][row["word_start"] + offset] = task.labels[label]
    assert rebuilt == [tags, ["O"]]
    assert set(META) <= set(features.column_names)


def test_nearest_and_margin_mining_find_the_planted_pairs() -> None:
    rng = np.random.default_rng(0)
    base = rng.normal(size=(6, 16))
    src = base + 0.05 * rng.normal(size=base.shape)
    tgt = np.concatenate([base[[2, 0, 1]], rng.normal(size=(4, 16))])  # 3 translations + 4 distractors
    tgt = tgt + 0.05 * rng.normal(size=tgt.shape)
    src /= np.linalg.norm(src, axis=1, keepdims=True)
    tgt /= np.linalg.norm(tgt, axis=1, keepdims=True)
    assert nearest(src[:3], tgt)[:3] == [1, 2, 0]
    pairs = margin_candidates(src, tgt)
    assert len({i for _, i, _ in pairs}) == len(pairs)  # one-to-one
    top3 = {(i, j) for _, i, j in pairs[:3]}
    assert top3 == {(0, 1), (1, 2), (2, 0)}


def test_best_threshold_maximises_f1_on_a_hand_made_case() -> None:
    candidates = [(0.9, "a", "x"), (0.8, "b", "y"), (0.7, "c", "q"), (0.6, "d", "w"), (0.5, "e", "z")]
    gold = [("a", "x"), ("b", "y"), ("d", "w")]
    # Keeping the top 2: P=1, R=2/3, F1=0.8; top 4: P=3/4, R=1, F1=0.857 (best); top 5: F1=0.75.
    assert best_threshold(candidates, gold) == pytest.approx((0.6 + 0.5) / 2)


def test_squad_v2_no_answer_wins_when_its_score_is_higher(tokenizer) -> None:
    cases = QA_CASES[:2]
    rows = [
        {"id": "answerable", "title": "", "context": cases[0][1], "question": "Where?",
         "answers": {"text": [cases[0][2]], "answer_start": [cases[0][1].index(cases[0][2])]}},
        {"id": "impossible", "title": "", "context": cases[1][1], "question": "Who?",
         "answers": {"text": [], "answer_start": []}},
    ]
    raw = datasets.Dataset.from_list(rows, features=QA_FEATURES)
    meta = encode_windows(raw, tokenizer, 128, 32, with_positions=False)
    width = max(len(ids) for ids in meta["input_ids"])
    start, end = np.zeros((2, width)), np.zeros((2, width))
    positions = [i for i, o in enumerate(meta[0]["offset_mapping"]) if o is not None]
    start[0, positions[2]] = end[0, positions[3]] = 10.0  # a confident span in the first
    start[1, 0] = end[1, 0] = 10.0  # <s> ("no answer") wins in the second
    answers = best_spans(raw, meta, start, end, n_best=20, max_answer_length=30, allow_no_answer=True)
    assert answers["impossible"] == "" and answers["answerable"] != ""
    from xtask.scoring.metrics import squad_v2_em_f1

    gold = squad_json(raw)["data"]
    assert squad_v2_em_f1(gold, {"answerable": cases[0][2], "impossible": ""}) == {"exact_match": 100.0, "f1": 100.0}
    assert squad_v2_em_f1(gold, {"answerable": "", "impossible": "x"}) == {"exact_match": 0.0, "f1": 0.0}


@pytest.mark.parametrize("name,choices", [("hellaswag", 4), ("cosmosqa", 4), ("commonsenseqa", 5), ("socialiqa", 3)])
def test_multiple_choice_batches_on_mini_data(tokenizer, name: str, choices: int) -> None:
    """(batch, choices, length) tensors; the label indexes the gold choice, which is never cut."""
    from omegaconf import OmegaConf

    from xtask.config import DataConfig
    from xtask.data.sources import DataContext
    from xtask.pipeline.formats.multiple_choice import MultipleChoiceFormat
    from xtask.tasks import INTERMEDIATE_TASKS

    task = INTERMEDIATE_TASKS[name]
    raw = read_split(task, DataContext.from_config(OmegaConf.structured(DataConfig)), "dev").select(range(6))
    fmt = MultipleChoiceFormat()
    features = fmt.encode_train(raw, tokenizer, 32, task)
    batch = fmt.collator(tokenizer)([features[i] for i in range(6)])
    assert tuple(batch["input_ids"].shape[:2]) == (6, choices)
    assert batch["labels"].tolist() == raw["label"]
    for row in range(6):
        gold = raw[row]["choices"][raw[row]["label"]]
        decoded = tokenizer.decode(batch["input_ids"][row, raw[row]["label"]], skip_special_tokens=True)
        assert decoded.replace(" ", "").lower().endswith(gold.replace(" ", "").lower()), (decoded, gold)
