"""Write an offline mirror of the Hub datasets xtask reads, laid out as the Hub serves them.

    python tests/hub_fixtures/generate.py OUT_DIR [owner/name ...]

writes ``OUT_DIR/owner/name/`` for every dataset of ``schemas.SCHEMAS`` (or the ones named), so
that ``datasets.load_dataset(str(OUT_DIR / "owner/name"), config, split=split)`` returns exactly
the columns and features the Hub returns. Every row is synthetic, written here: a few short
sentences per split, with the Hub's label encodings and quirks (see SCHEMAS.md), e.g. the
google/xtreme QA configs keep answer offsets of the unstripped context while serving the stripped
one. Same content on every run.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Sequence as Seq

import pyarrow.parquet as pq
import yaml

import datasets
from datasets import ClassLabel, Features, List as ListFeature, Value

if __package__ in (None, ""):  # run as a script: make `hub_fixtures` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from hub_fixtures import schemas  # type: ignore[no-redef]
else:
    from . import schemas

Row = Dict[str, Any]

# --- synthetic text ------------------------------------------------------------------------------

_NLI = {
    "en": [
        ("A woman is reading a book in the park.", "Someone is reading outdoors.", 0),
        ("Two boys are playing football on the beach.", "The children are asleep at home.", 2),
        ("A man is cooking dinner for his family.", "The man is a professional chef.", 1),
        ("The train left the station ten minutes late.", "The train departed behind schedule.", 0),
        ("A dog runs across a snowy field.", "A cat sleeps on the sofa.", 2),
        ("The old bridge was closed for repairs.", "The bridge is being painted blue.", 1),
    ],
    "de": [
        ("Eine Frau liest im Park ein Buch.", "Jemand liest draußen.", 0),
        ("Zwei Jungen spielen am Strand Fußball.", "Die Kinder schlafen zu Hause.", 2),
        ("Ein Mann kocht das Abendessen für seine Familie.", "Der Mann ist ein Profikoch.", 1),
        ("Der Zug fuhr zehn Minuten zu spät ab.", "Der Zug hatte Verspätung.", 0),
        ("Ein Hund rennt über ein verschneites Feld.", "Eine Katze schläft auf dem Sofa.", 2),
    ],
}

_PARAPHRASE = {
    "en": [
        ("The museum opened in 1901 and was extended in 1950.",
         "The museum was extended in 1950 and opened in 1901.", 1),
        ("She moved from Lyon to Paris in 2004.", "She moved from Paris to Lyon in 2004.", 0),
        ("The river flows north into the lake.", "The lake flows north into the river.", 0),
        ("He was born in Oslo and studied in Bergen.", "Born in Oslo, he studied in Bergen.", 1),
    ],
    "de": [
        ("Das Museum wurde 1901 eröffnet und 1950 erweitert.",
         "Das Museum wurde 1950 erweitert und 1901 eröffnet.", 1),
        ("Sie zog 2004 von Lyon nach Paris.", "Sie zog 2004 von Paris nach Lyon.", 0),
        ("Der Fluss fließt nach Norden in den See.", "Der See fließt nach Norden in den Fluss.", 0),
        ("Er wurde in Oslo geboren und studierte in Bergen.", "In Oslo geboren, studierte er in Bergen.", 1),
    ],
}

# (title, context, [(question, answer), ...]); every answer occurs in its context.
_QA = {
    "en": [
        ("Lighthouse", "The lighthouse on the northern cape was built in 1874 and is still operated by two keepers.",
         [("When was the lighthouse built?", "1874"), ("How many keepers operate the lighthouse?", "two")]),
        ("Orchard", "Apples from the valley orchard are sold every Saturday at the market in the old town.",
         [("Where are the apples sold?", "at the market in the old town")]),
        ("Glacier", "The glacier has retreated about three kilometres since the first survey in 1910.",
         [("How far has the glacier retreated?", "about three kilometres"), ("When was the first survey?", "1910")]),
    ],
    "de": [
        ("Leuchtturm", "Der Leuchtturm am nördlichen Kap wurde 1874 gebaut und wird noch von zwei Wärtern betrieben.",
         [("Wann wurde der Leuchtturm gebaut?", "1874"), ("Wie viele Wärter betreiben den Leuchtturm?", "zwei")]),
        ("Obstgarten", "Äpfel aus dem Obstgarten im Tal werden jeden Samstag auf dem Markt in der Altstadt verkauft.",
         [("Wo werden die Äpfel verkauft?", "auf dem Markt in der Altstadt")]),
        ("Gletscher", "Der Gletscher ist seit der ersten Vermessung im Jahr 1910 um etwa drei Kilometer zurückgegangen.",
         [("Wann war die erste Vermessung?", "1910")]),
    ],
    "id": [
        ("Mercusuar", "Mercusuar di tanjung utara dibangun pada tahun 1874 dan masih dijaga oleh dua penjaga.",
         [("Kapan mercusuar dibangun?", "1874"), ("Berapa penjaga mercusuar?", "dua penjaga")]),
    ],
}

# UPOS tags per token.
_UDPOS = {
    "English": [
        (["The", "dog", "sleeps", "."], ["DET", "NOUN", "VERB", "PUNCT"]),
        (["She", "reads", "two", "old", "books", "."], ["PRON", "VERB", "NUM", "ADJ", "NOUN", "PUNCT"]),
        (["We", "can", "go", "home", "now", "."], ["PRON", "AUX", "VERB", "ADV", "ADV", "PUNCT"]),
        (["Anna", "and", "Tom", "laughed", "!"], ["PROPN", "CCONJ", "PROPN", "VERB", "PUNCT"]),
    ],
    "German": [
        (["Der", "Hund", "schläft", "."], ["DET", "NOUN", "VERB", "PUNCT"]),
        (["Sie", "liest", "zwei", "alte", "Bücher", "."], ["PRON", "VERB", "NUM", "ADJ", "NOUN", "PUNCT"]),
        (["Wir", "können", "jetzt", "gehen", "."], ["PRON", "AUX", "ADV", "VERB", "PUNCT"]),
    ],
    "Kazakh": [
        (["Ит", "ұйықтап", "жатыр", "."], ["NOUN", "VERB", "AUX", "PUNCT"]),
        (["Ол", "екі", "кітап", "оқыды", "."], ["PRON", "NUM", "NOUN", "VERB", "PUNCT"]),
        (["Біз", "үйге", "барамыз", "."], ["PRON", "NOUN", "VERB", "PUNCT"]),
    ],
    "Thai": [
        (["หมา", "นอน", "หลับ"], ["NOUN", "VERB", "VERB"]),
        (["เขา", "อ่าน", "หนังสือ", "สอง", "เล่ม"], ["PRON", "VERB", "NOUN", "NUM", "NOUN"]),
        (["เรา", "จะ", "กลับ", "บ้าน"], ["PRON", "AUX", "VERB", "NOUN"]),
    ],
}

_PANX = {
    "en": [
        (["Angela", "Merkel", "visited", "Paris", "."], ["B-PER", "I-PER", "O", "B-LOC", "O"]),
        (["The", "United", "Nations", "met", "in", "Geneva", "."], ["O", "B-ORG", "I-ORG", "O", "O", "B-LOC", "O"]),
        (["Lake", "Victoria", "borders", "Uganda"], ["B-LOC", "I-LOC", "O", "B-LOC"]),
        (["Siemens", "hired", "Maria", "Lopez"], ["B-ORG", "O", "B-PER", "I-PER"]),
    ],
    "de": [
        (["Angela", "Merkel", "besuchte", "Paris", "."], ["B-PER", "I-PER", "O", "B-LOC", "O"]),
        (["Die", "Vereinten", "Nationen", "tagten", "in", "Genf", "."], ["O", "B-ORG", "I-ORG", "O", "O", "B-LOC", "O"]),
        (["Siemens", "stellte", "Maria", "Lopez", "ein"], ["B-ORG", "O", "B-PER", "I-PER", "O"]),
    ],
}

_BITEXT_DE = [
    ("Ich trinke morgens gern Tee.", "I like to drink tea in the morning."),
    ("Der Bahnhof ist nicht weit von hier.", "The station is not far from here."),
    ("Wir haben den ganzen Tag gearbeitet.", "We worked all day."),
    ("Kannst du mir bitte helfen?", "Can you help me, please?"),
    ("Das Wetter ist heute schön.", "The weather is nice today."),
]

_COPA = {
    "en": [
        ("The man turned on the faucet.", "The toilet filled with water.", "Water flowed from the spout.", "effect", 1),
        ("The girl found a bug in her cereal.", "She poured milk in the bowl.", "She lost her appetite.", "effect", 1),
        ("The woman retired.", "She received her pension.", "She paid off her mortgage.", "effect", 0),
        ("The runner wore shorts.", "The forecast predicted high temperatures.", "She planned to run along the beach.", "cause", 0),
    ],
    "et": [
        ("Mees keeras kraani lahti.", "Tualett täitus veega.", "Kraanist voolas vett.", "effect", 1),
        ("Tüdruk leidis helvestest putuka.", "Ta valas kaussi piima.", "Tal kadus isu.", "effect", 1),
        ("Naine jäi pensionile.", "Ta sai pensioni.", "Ta maksis laenu ära.", "effect", 0),
    ],
    "zh": [
        ("男人打开了水龙头。", "马桶里灌满了水。", "水从龙头里流了出来。", "effect", 1),
        ("女孩在麦片里发现了一只虫子。", "她往碗里倒了牛奶。", "她没有胃口了。", "effect", 1),
        ("这位妇女退休了。", "她领到了退休金。", "她还清了房贷。", "effect", 0),
    ],
}

# --- row builders (kind, lang, split) -> rows ------------------------------------------------------


def _rotate(items: Seq[Any], split: str, n: Optional[int] = None) -> List[Any]:
    """The same bank, started at a split-dependent offset, so splits differ but stay stable."""
    offset = sum(map(ord, split)) % len(items)
    out = list(items[offset:]) + list(items[:offset])
    return out[: n or len(out)]


def _nli_rows(lang: str, split: str) -> List[Row]:
    return [{"premise": p, "hypothesis": h, "label": y} for p, h, y in _rotate(_NLI[lang], split, 4)]


def _binary_parse(sentence: str) -> str:
    words = sentence.rstrip(".").split()
    tree = words[-1]
    for word in reversed(words[:-1]):
        tree = f"( {word} {tree} )"
    return f"{tree} ."


def _rows_multi_nli(lang: str, split: str) -> List[Row]:
    genres = ("fiction", "government", "slate", "telephone", "travel")
    rows = []
    for i, row in enumerate(_nli_rows("en", split)):
        pair = 100 + 10 * i
        rows.append({
            "promptID": pair, "pairID": f"{pair}{'enc'[row['label']]}",
            "premise": row["premise"], "premise_binary_parse": _binary_parse(row["premise"]),
            "premise_parse": f"(ROOT (S {row['premise']}))",
            "hypothesis": row["hypothesis"], "hypothesis_binary_parse": _binary_parse(row["hypothesis"]),
            "hypothesis_parse": f"(ROOT (S {row['hypothesis']}))",
            "genre": genres[i % len(genres)], "label": row["label"],
        })
    return rows


def _rows_snli(lang: str, split: str) -> List[Row]:
    rows = _nli_rows("en", split)
    rows[-1]["label"] = -1  # SNLI keeps pairs without a gold label, labelled -1
    return rows


def _rows_anli(lang: str, split: str) -> List[Row]:
    return [{"uid": f"{split}-{i:04x}", "premise": r["premise"], "hypothesis": r["hypothesis"],
             "label": r["label"], "reason": "" if i % 2 else "The premise says so."}
            for i, r in enumerate(_nli_rows("en", split))]


def _rows_xnli(lang: str, split: str) -> List[Row]:
    return _nli_rows(lang, split)


def _rows_qqp(lang: str, split: str) -> List[Row]:
    pairs = [("How do I learn to cook?", "What is the best way to learn cooking?", 1),
             ("Why is the sky blue?", "How far away is the moon?", 0),
             ("Which laptop should I buy?", "What laptop should I buy for school?", 1),
             ("How do plants grow?", "Why do cats purr?", 0)]
    return [{"question1": a, "question2": b, "label": -1 if split == "test" else y, "idx": i}
            for i, (a, b, y) in enumerate(_rotate(pairs, split))]


def _rows_sst2(lang: str, split: str) -> List[Row]:
    sentences = [("a warm , funny and touching film", 1), ("the plot goes nowhere", 0),
                 ("an uneven but charming debut", 1), ("tedious and far too long", 0)]
    return [{"sentence": s, "label": -1 if split == "test" else y, "idx": i}
            for i, (s, y) in enumerate(_rotate(sentences, split))]


def _qa_items(lang: str, split: str):
    for a, (title, context, qas) in enumerate(_rotate(_QA[lang], split)):
        for q, (question, answer) in enumerate(qas):
            yield a, q, title, context, question, answer


def _rows_squad(lang: str, split: str) -> List[Row]:
    return [{"id": f"{split}-{a}{q}", "title": title, "context": context, "question": question,
             "answers": {"text": [answer], "answer_start": [context.index(answer)]}}
            for a, q, title, context, question, answer in _qa_items("en", split)]


def _rows_squad_v2(lang: str, split: str) -> List[Row]:
    rows = _rows_squad(lang, split)
    first = rows[0]
    rows.append({"id": f"{split}-impossible", "title": first["title"], "context": first["context"],
                 "question": "Who painted the lighthouse red?", "answers": {"text": [], "answer_start": []}})
    return rows


def _xtreme_qa(lang: str, split: str, id_prefix: str, with_title: bool) -> List[Row]:
    """XTREME's loading script stripped each context but kept the answer offsets of the
    unstripped one (answers were stripped too): the first paragraph here starts with two spaces
    in the "original" file, so its offsets point two characters too far in the served context."""
    rows = []
    for a, q, title, context, question, answer in _qa_items(lang, split):
        original = ("  " + context) if a == 0 else context
        row = {"id": f"{id_prefix}{split}-{a}{q}", "context": original.strip(), "question": question,
               "answers": {"answer_start": [original.index(answer)], "text": [answer]}}
        if with_title:
            row = {"id": row["id"], "title": title, **{k: v for k, v in row.items() if k != "id"}}
        rows.append(row)
    return rows


def _rows_xquad(lang: str, split: str) -> List[Row]:
    return _xtreme_qa(lang, split, "", with_title=False)


def _rows_mlqa(lang: str, split: str) -> List[Row]:
    return _xtreme_qa(lang.split(".")[0], split, "", with_title=True)


def _rows_tydiqa(lang: str, split: str) -> List[Row]:
    # One config for every language; ids start with the language name.
    return (_xtreme_qa("en", split, "english-", with_title=True)
            + _xtreme_qa("id", split, "indonesian-", with_title=True))


def _rows_pawsx(lang: str, split: str) -> List[Row]:
    return [{"sentence1": a, "sentence2": b, "label": str(y)} for a, b, y in _rotate(_PARAPHRASE[lang], split)]


def _rows_udpos(lang: str, split: str) -> List[Row]:
    return [{"tokens": toks, "pos_tags": [schemas.UPOS_NAMES.index(t) for t in tags]}
            for toks, tags in _rotate(_UDPOS[lang], split)]


def _rows_panx(lang: str, split: str) -> List[Row]:
    return [{"tokens": toks, "ner_tags": [schemas.PANX_NAMES.index(t) for t in tags], "langs": [lang] * len(toks)}
            for toks, tags in _rotate(_PANX[lang], split)]


def _rows_bucc18(lang: str, split: str) -> List[Row]:
    # Only gold pairs; the id columns are named *_lang (see SCHEMAS.md).
    return [{"source_sentence": de, "target_sentence": en, "source_lang": f"de-{i + 1:06d}",
             "target_lang": f"en-{3 * i + 7:06d}"} for i, (de, en) in enumerate(_rotate(_BITEXT_DE, split))]


def _rows_tatoeba(lang: str, split: str) -> List[Row]:
    # Lines as the loading script read them from LASER's files: the newline kept.
    return [{"source_sentence": de + "\n", "target_sentence": en + "\n", "source_lang": lang, "target_lang": "eng"}
            for de, en in _BITEXT_DE]


def _rows_hellaswag(lang: str, split: str) -> List[Row]:
    items = [("Baking cookies", "A woman puts flour in a bowl.", "she",
              ["adds sugar and stirs.", "drives a truck.", "paints the ceiling.", "swims across the bowl."], 0),
             ("Washing a car", "A man sprays water on a car.", "then he",
              ["eats the sponge.", "scrubs the doors with soap.", "flies away.", "reads the tires."], 1),
             ("Playing guitar", "A boy sits on a chair holding a guitar.", "he",
              ["throws the chair.", "sleeps on the strings.", "strums a few chords.", "bakes the guitar."], 2)]
    rows = []
    for i, (activity, ctx_a, ctx_b, endings, label) in enumerate(_rotate(items, split)):
        rows.append({"ind": 10 * i + len(split), "activity_label": activity, "ctx_a": ctx_a, "ctx_b": ctx_b,
                     "ctx": f"{ctx_a} {ctx_b}", "endings": endings, "source_id": f"activitynet~v_{i:04d}",
                     "split": {"validation": "val"}.get(split, split), "split_type": "indomain" if i % 2 == 0 else "zeroshot",
                     "label": "" if split == "test" else str(label)})
    return rows


def _rows_cosmos_qa(lang: str, split: str) -> List[Row]:
    items = [("I missed the bus this morning, so I walked to work in the rain.", "Why was the narrator wet?",
              ["They walked in the rain.", "They went swimming.", "They washed the car.", "None of the above choices."], 0),
             ("My sister baked a cake for my birthday and forgot the sugar.", "How did the cake probably taste?",
              ["Very sweet.", "Not sweet.", "Like chocolate.", "None of the above choices."], 1),
             ("We stayed up late to watch the meteor shower from the hill.", "What might they do the next day?",
              ["Run a marathon at dawn.", "Paint the hill.", "Sleep in.", "None of the above choices."], 2)]
    return [{"id": f"cosmos-{split}-{i}", "context": c, "question": q, "answer0": a[0], "answer1": a[1],
             "answer2": a[2], "answer3": a[3], "label": -1 if split == "test" else y}
            for i, (c, q, a, y) in enumerate(_rotate(items, split))]


def _rows_commonsense_qa(lang: str, split: str) -> List[Row]:
    items = [("Where would you keep milk cold?", "milk", ["oven", "refrigerator", "closet", "garden", "car"], "B"),
             ("What do people use to cut paper?", "cut", ["scissors", "spoon", "pillow", "bucket", "shoe"], "A"),
             ("Where does a train stop for passengers?", "train", ["lake", "cloud", "forest", "kitchen", "station"], "E")]
    return [{"id": f"{i:02x}{split[:3]}", "question": q, "question_concept": concept,
             "choices": {"label": list("ABCDE"), "text": options}, "answerKey": "" if split == "test" else key}
            for i, (q, concept, options, key) in enumerate(_rotate(items, split))]


def _rows_social_iqa(lang: str, split: str) -> List[Row]:
    items = [("Jordan helped a neighbour carry groceries up the stairs.", "How would the neighbour feel?",
              ("grateful", "angry", "bored"), "1"),
             ("Casey forgot to bring a gift to the party.", "What will Casey want to do next?",
              ("throw a party", "apologise to the host", "buy a car"), "2"),
             ("Riley studied every night before the exam.", "Why did Riley do this?",
              ("to lose a bet", "to sleep more", "to pass the exam"), "3")]
    return [{"context": c, "question": q, "answerA": a, "answerB": b, "answerC": d, "label": y}
            for c, q, (a, b, d), y in _rotate(items, split)]


def _rows_xcopa(lang: str, split: str) -> List[Row]:
    return [{"premise": p, "choice1": c1, "choice2": c2, "question": q, "label": y, "idx": i + 1, "changed": i == 1}
            for i, (p, c1, c2, q, y) in enumerate(_rotate(_COPA[lang], split))]


def _rows_copa(lang: str, split: str) -> List[Row]:
    return [{"premise": p, "choice1": c1, "choice2": c2, "question": q, "idx": i,
             "label": -1 if split == "test" else y}
            for i, (p, c1, c2, q, y) in enumerate(_rotate(_COPA["en"], split))]


BUILDERS: Mapping[str, Callable[[str, str], List[Row]]] = {
    "multi_nli": _rows_multi_nli, "snli": _rows_snli, "anli": _rows_anli, "xnli": _rows_xnli,
    "qqp": _rows_qqp, "sst2": _rows_sst2, "squad": _rows_squad, "squad_v2": _rows_squad_v2,
    "hellaswag": _rows_hellaswag, "cosmos_qa": _rows_cosmos_qa, "commonsense_qa": _rows_commonsense_qa,
    "social_iqa": _rows_social_iqa, "pawsx": _rows_pawsx, "udpos": _rows_udpos, "panx": _rows_panx,
    "xquad": _rows_xquad, "mlqa": _rows_mlqa, "tydiqa": _rows_tydiqa, "bucc18": _rows_bucc18,
    "tatoeba": _rows_tatoeba, "xcopa": _rows_xcopa, "copa": _rows_copa,
}

# --- dataset cards -----------------------------------------------------------------------------------


def _yaml_type(feature: Any) -> Dict[str, Any]:
    """One feature as the Hub's dataset cards write it (the `sequence:` form of older cards)."""
    if isinstance(feature, Value):
        return {"dtype": feature.dtype}
    if isinstance(feature, ClassLabel):
        return {"dtype": {"class_label": {"names": {str(i): n for i, n in enumerate(feature.names)}}}}
    if isinstance(feature, ListFeature):
        inner = _yaml_type(feature.feature)
        return {"sequence": inner["dtype"] if set(inner) == {"dtype"} else inner}
    if isinstance(feature, dict):
        if feature and all(isinstance(f, ListFeature) for f in feature.values()):
            # Sequence({...}): a dict of lists, written as a sequence of named fields.
            return {"sequence": [{"name": k, **_yaml_type(f.feature)} for k, f in feature.items()]}
        return {"struct": [{"name": k, **_yaml_type(f)} for k, f in feature.items()]}
    raise TypeError(f"no card form for feature {feature!r}")


def card_features(features: Features) -> List[Dict[str, Any]]:
    return [{"name": name, **_yaml_type(feature)} for name, feature in features.items()]


def _card(metadata: Mapping[str, Any], title: str) -> str:
    header = yaml.safe_dump(dict(metadata), sort_keys=False, allow_unicode=True)
    return f"---\n{header}---\n\n# {title}\n\nSynthetic offline stand-in written by tests/hub_fixtures/generate.py.\n"


# --- writers -----------------------------------------------------------------------------------------


def parquet_path(repo: schemas.RepoSchema, config: str, split: str) -> str:
    """Where a (config, split) lives inside the repo, relative to its root."""
    schema = next(s for _, c, _, s in repo.expand() if c == config)
    if repo.layout == schemas.PARQUET_EXPORT:
        return f"{config}/{split}/0000.parquet"
    return f"{schema.dir_for(config)}/{split}-00000-of-00001.parquet"


def _write_split(path: Path, rows: List[Row], features: Features) -> Dict[str, int]:
    """One parquet file whose schema metadata carries the features, as `push_to_hub` writes it;
    returns the split's card entry (num_bytes, num_examples)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    table = datasets.Dataset.from_list(rows, features=features).data.table.cast(features.arrow_schema)
    pq.write_table(table, str(path))
    return {"num_bytes": table.nbytes, "num_examples": table.num_rows}


def _write_data_files(repo: schemas.RepoSchema, out: Path) -> None:
    configs, infos = [], []
    for lang, config, splits, schema in repo.expand():
        directory = schema.dir_for(config)
        sizes = {}
        for split in splits:
            rows = BUILDERS[schema.kind](lang, split)
            sizes[split] = _write_split(out / parquet_path(repo, config, split), rows, schema.features)
        configs.append({"config_name": config,
                        "data_files": [{"split": s, "path": f"{directory}/{s}-*"} for s in splits]})
        infos.append({"config_name": config, "features": card_features(schema.features),
                      "splits": [{"name": s, **sizes[s]} for s in splits]})
    (out / "README.md").write_text(_card({"dataset_info": infos, "configs": configs}, repo.repo), encoding="utf-8")


def _write_parquet_export(repo: schemas.RepoSchema, out: Path) -> None:
    # refs/convert/parquet: <config>/<split>/0000.parquet, features only in the parquet metadata.
    for lang, config, splits, schema in repo.expand():
        for split in splits:
            _write_split(out / parquet_path(repo, config, split), BUILDERS[schema.kind](lang, split), schema.features)


def _write_script_only(repo: schemas.RepoSchema, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / repo.script_name).write_text(
        f'"""Placeholder for the loading script {repo.repo} serves on its main branch.\n\n'
        "datasets >= 4 refuses to run dataset scripts, so this file only marks the repo as script-only.\n"
        '"""\n', encoding="utf-8")
    infos = [{"config_name": config, "features": card_features(schema.features)}
             for _, config, _, schema in repo.expand()]
    (out / "README.md").write_text(_card({"dataset_info": infos}, repo.repo), encoding="utf-8")


WRITERS = {
    schemas.DATA_FILES: _write_data_files,
    schemas.PARQUET_EXPORT: _write_parquet_export,
    schemas.SCRIPT_ONLY: _write_script_only,
}


def write_mirror(root: Path, datasets: Optional[Iterable[str]] = None) -> Dict[str, Path]:
    """Write ``root/owner/name/`` for each dataset id (all of ``schemas.SCHEMAS`` by default);
    returns {dataset id: its folder}. An existing folder of the same id is replaced."""
    import shutil

    root = Path(root)
    wanted = list(datasets) if datasets is not None else list(schemas.SCHEMAS)
    unknown = [d for d in wanted if d not in schemas.SCHEMAS]
    if unknown:
        raise KeyError(f"no schema for {unknown}; known: {sorted(schemas.SCHEMAS)}")
    written: Dict[str, Path] = {}
    for repo_id in wanted:
        repo = schemas.SCHEMAS[repo_id]
        out = root / repo_id
        if out.exists():
            shutil.rmtree(out)
        WRITERS[repo.layout](repo, out)
        written[repo_id] = out
    return written


def main(argv: Seq[str]) -> int:
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__)
        return 0 if argv else 2
    for repo_id, path in write_mirror(Path(argv[0]), argv[1:] or None).items():
        print(f"{repo_id}: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
