"""A tiny compositional world ("the man is sleeping in the park") rendered in 9 languages.

Why: the repo ships small *synthetic* datasets for every XTREME task so every pipeline stage runs
offline and deterministically. Sentences are built from a :class:`Scene` (indices into the
lexicon), so the same scene renders as parallel translations in every language; each word carries
a coarse UD UPOS tag (POS task), the scene slot it fills (extractive QA answers) and an IOB2 entity
tag (NER task), so one rendering feeds every task.

Lexicon phrases are written compactly as ``"word/TAG word/TAG"``; a ``(masculine, feminine)`` pair
marks a phrase that agrees with the subject's gender (Arabic verbs, "his"/"her" possessives...).
In the named-entity tables a bare word (no ``/TAG``) is part of the name and tagged PROPN.
Word order, negation and aspect markers are per-language functions (``_en``, ``_de``, ...).
Simplifications: present progressive is rendered as the plain present where a language has no
progressive (de, fr, ru, ar); negation words are tagged PART in every language; Thai ends sentences
(and questions) without punctuation, as Thai orthography does; "who" questions use the masculine
verb form (ar, hi) as the generic.
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass, replace
from typing import Callable, Dict, List, NamedTuple, Optional, Sequence, Tuple, Union

Word = Tuple[str, str]  # (form, UPOS)
Phrase = Union[str, Tuple[str, str]]  # "w/TAG w/TAG", or (masculine, feminine) variants


class Token(NamedTuple):
    """A rendered word: ``form`` and ``upos`` as in :data:`Word`, plus where it came from."""

    form: str
    upos: str
    slot: str = ""  # "subject", "verb", "place", "companion" for scene parts; "" for glue words
    ner: str = "O"  # IOB2 tag from NER_TAGS


LANGUAGES: Tuple[str, ...] = ("en", "de", "es", "fr", "ru", "ar", "hi", "zh", "th")

UPOS_TAGS: Tuple[str, ...] = (
    "ADJ", "ADP", "ADV", "AUX", "DET", "NOUN", "NUM", "PART", "PRON", "PROPN", "PUNCT", "VERB",
)
NER_TAGS: Tuple[str, ...] = ("O", "B-PER", "I-PER", "B-LOC", "I-LOC", "B-ORG", "I-ORG")

# English glosses; their positions are the indices a Scene uses. "someone" is last and is not drawn
# by random_scene: it exists for entailment hypotheses ("Someone is sleeping in the park.").
SUBJECTS: Tuple[str, ...] = (
    "the man", "the woman", "the child", "the teacher", "the doctor",
    "the dog", "the farmer", "the student", "my sister", "the old man", "someone",
)
SOMEONE: int = SUBJECTS.index("someone")
# Grammatical gender of each subject, used for agreement (m/f, shared by all languages).
_GENDER: str = "mfmfmmmffmm"

ACTIONS: Tuple[str, ...] = (
    "sleeping", "eating", "reading", "singing", "running",
    "cooking", "writing", "swimming", "dancing", "working",
)
PLACES: Tuple[str, ...] = (
    "in the park", "at home", "in the kitchen", "at school", "in the garden",
    "by the river", "in the library", "at the market", "in the city", "on the beach",
)
COMPANIONS: Tuple[str, ...] = (
    "with a friend", "with his/her brother", "with his/her mother",
    "with the children", "with a neighbor", "with his/her grandfather",
)

# Named entities (glosses). Invented people with common names; real cities, countries and companies
# only as names, in sentences the xtask authors made up.
PERSONS: Tuple[str, ...] = (
    "Maria Lopez", "John Smith", "Anna Schmidt", "Ivan Petrov", "Fatima Hassan", "Ahmed Ali",
    "Priya Sharma", "Rahul Gupta", "Li Wei", "Wang Fang", "Somchai", "Sophie Martin",
)
_PERSON_GENDER: str = "fmfmfmfmmfmf"
LOCATIONS: Tuple[str, ...] = (
    "New York", "Berlin", "Paris", "Madrid", "Moscow", "London", "Beijing", "Bangkok",
    "Buenos Aires", "Los Angeles", "Germany", "India",
)
ORGANISATIONS: Tuple[str, ...] = (
    "Siemens", "Toyota", "Samsung", "Nestlé", "General Motors", "Deutsche Bank", "Air France",
    "Tata Motors", "Alibaba", "Volkswagen",
)
# Sentence templates around an organisation: "{person} works for {org} {location}." and
# "{org} has an office {location}." (the location phrase carries its own preposition).
ENTITY_TEMPLATES: Tuple[str, ...] = ("works_for", "office")
# Extractive-QA question kinds and the scene slot each one asks for.
QUESTION_SLOTS: Dict[str, str] = {"where": "place", "who": "subject", "what": "verb"}


@dataclass(frozen=True)
class Scene:
    """One situation: ``subject`` is ``action``-ing ``place`` (optional) ``companion`` (optional).

    Fields are indices into :data:`SUBJECTS`, :data:`ACTIONS`, :data:`PLACES`, :data:`COMPANIONS`.
    The named-entity fields, when set, replace the common-noun slot of the same role:
    ``person`` (into :data:`PERSONS`) the subject, ``location`` (into :data:`LOCATIONS`) the place,
    ``with_person`` (into :data:`PERSONS`) the companion ("with Maria Lopez").
    """

    subject: int
    action: int
    place: Optional[int] = None
    companion: Optional[int] = None
    negated: bool = False
    person: Optional[int] = None
    location: Optional[int] = None
    with_person: Optional[int] = None

    @property
    def gender(self) -> str:
        """Gender ("m" or "f") of the subject, which verbs and possessives agree with."""
        return _GENDER[self.subject] if self.person is None else _PERSON_GENDER[self.person]

    @property
    def has_place(self) -> bool:
        return self.place is not None or self.location is not None


@dataclass(frozen=True)
class EntitySentence:
    """A sentence from :data:`ENTITY_TEMPLATES` naming a person (unused by "office"), an
    organisation and a location (indices into the entity glosses)."""

    template: int
    person: int
    organisation: int
    location: int


@dataclass(frozen=True)
class _Lexicon:
    subjects: Tuple[Phrase, ...]
    actions: Tuple[Phrase, ...]
    places: Tuple[Phrase, ...]
    companions: Tuple[Phrase, ...]


_LEX: Dict[str, _Lexicon] = {
    "en": _Lexicon(
        subjects=(
            "the/DET man/NOUN", "the/DET woman/NOUN", "the/DET child/NOUN", "the/DET teacher/NOUN",
            "the/DET doctor/NOUN", "the/DET dog/NOUN", "the/DET farmer/NOUN", "the/DET student/NOUN",
            "my/PRON sister/NOUN", "the/DET old/ADJ man/NOUN", "someone/PRON",
        ),
        actions=(
            "sleeping/VERB", "eating/VERB", "reading/VERB", "singing/VERB", "running/VERB",
            "cooking/VERB", "writing/VERB", "swimming/VERB", "dancing/VERB", "working/VERB",
        ),
        places=(
            "in/ADP the/DET park/NOUN", "at/ADP home/NOUN", "in/ADP the/DET kitchen/NOUN",
            "at/ADP school/NOUN", "in/ADP the/DET garden/NOUN", "by/ADP the/DET river/NOUN",
            "in/ADP the/DET library/NOUN", "at/ADP the/DET market/NOUN", "in/ADP the/DET city/NOUN",
            "on/ADP the/DET beach/NOUN",
        ),
        companions=(
            "with/ADP a/DET friend/NOUN",
            ("with/ADP his/PRON brother/NOUN", "with/ADP her/PRON brother/NOUN"),
            ("with/ADP his/PRON mother/NOUN", "with/ADP her/PRON mother/NOUN"),
            "with/ADP the/DET children/NOUN",
            "with/ADP a/DET neighbor/NOUN",
            ("with/ADP his/PRON grandfather/NOUN", "with/ADP her/PRON grandfather/NOUN"),
        ),
    ),
    "de": _Lexicon(
        subjects=(
            "der/DET Mann/NOUN", "die/DET Frau/NOUN", "das/DET Kind/NOUN", "die/DET Lehrerin/NOUN",
            "der/DET Arzt/NOUN", "der/DET Hund/NOUN", "der/DET Bauer/NOUN", "die/DET Studentin/NOUN",
            "meine/DET Schwester/NOUN", "der/DET alte/ADJ Mann/NOUN", "jemand/PRON",
        ),
        actions=(
            "schläft/VERB", "isst/VERB", "liest/VERB", "singt/VERB", "rennt/VERB",
            "kocht/VERB", "schreibt/VERB", "schwimmt/VERB", "tanzt/VERB", "arbeitet/VERB",
        ),
        places=(
            "im/ADP Park/NOUN", "zu/ADP Hause/NOUN", "in/ADP der/DET Küche/NOUN",
            "in/ADP der/DET Schule/NOUN", "im/ADP Garten/NOUN", "am/ADP Fluss/NOUN",
            "in/ADP der/DET Bibliothek/NOUN", "auf/ADP dem/DET Markt/NOUN", "in/ADP der/DET Stadt/NOUN",
            "am/ADP Strand/NOUN",
        ),
        companions=(
            "mit/ADP einem/DET Freund/NOUN",
            ("mit/ADP seinem/DET Bruder/NOUN", "mit/ADP ihrem/DET Bruder/NOUN"),
            ("mit/ADP seiner/DET Mutter/NOUN", "mit/ADP ihrer/DET Mutter/NOUN"),
            "mit/ADP den/DET Kindern/NOUN",
            "mit/ADP einem/DET Nachbarn/NOUN",
            ("mit/ADP seinem/DET Großvater/NOUN", "mit/ADP ihrem/DET Großvater/NOUN"),
        ),
    ),
    "es": _Lexicon(
        subjects=(
            "el/DET hombre/NOUN", "la/DET mujer/NOUN", "el/DET niño/NOUN", "la/DET profesora/NOUN",
            "el/DET médico/NOUN", "el/DET perro/NOUN", "el/DET granjero/NOUN", "la/DET estudiante/NOUN",
            "mi/DET hermana/NOUN", "el/DET anciano/NOUN", "alguien/PRON",
        ),
        actions=(
            "durmiendo/VERB", "comiendo/VERB", "leyendo/VERB", "cantando/VERB", "corriendo/VERB",
            "cocinando/VERB", "escribiendo/VERB", "nadando/VERB", "bailando/VERB", "trabajando/VERB",
        ),
        places=(
            "en/ADP el/DET parque/NOUN", "en/ADP casa/NOUN", "en/ADP la/DET cocina/NOUN",
            "en/ADP la/DET escuela/NOUN", "en/ADP el/DET jardín/NOUN", "junto/ADV al/ADP río/NOUN",
            "en/ADP la/DET biblioteca/NOUN", "en/ADP el/DET mercado/NOUN", "en/ADP la/DET ciudad/NOUN",
            "en/ADP la/DET playa/NOUN",
        ),
        companions=(
            "con/ADP un/DET amigo/NOUN", "con/ADP su/DET hermano/NOUN", "con/ADP su/DET madre/NOUN",
            "con/ADP los/DET niños/NOUN", "con/ADP un/DET vecino/NOUN", "con/ADP su/DET abuelo/NOUN",
        ),
    ),
    "fr": _Lexicon(
        subjects=(
            "l'/DET homme/NOUN", "la/DET femme/NOUN", "l'/DET enfant/NOUN", "l'/DET enseignante/NOUN",
            "le/DET médecin/NOUN", "le/DET chien/NOUN", "l'/DET agriculteur/NOUN", "l'/DET étudiante/NOUN",
            "ma/DET sœur/NOUN", "le/DET vieil/ADJ homme/NOUN", "quelqu'un/PRON",
        ),
        actions=(
            "dort/VERB", "mange/VERB", "lit/VERB", "chante/VERB", "court/VERB",
            "cuisine/VERB", "écrit/VERB", "nage/VERB", "danse/VERB", "travaille/VERB",
        ),
        places=(
            "dans/ADP le/DET parc/NOUN", "à/ADP la/DET maison/NOUN", "dans/ADP la/DET cuisine/NOUN",
            "à/ADP l'/DET école/NOUN", "dans/ADP le/DET jardin/NOUN",
            "au/ADP bord/NOUN de/ADP la/DET rivière/NOUN", "à/ADP la/DET bibliothèque/NOUN",
            "au/ADP marché/NOUN", "en/ADP ville/NOUN", "à/ADP la/DET plage/NOUN",
        ),
        companions=(
            "avec/ADP un/DET ami/NOUN", "avec/ADP son/DET frère/NOUN", "avec/ADP sa/DET mère/NOUN",
            "avec/ADP les/DET enfants/NOUN", "avec/ADP un/DET voisin/NOUN",
            "avec/ADP son/DET grand-père/NOUN",
        ),
    ),
    "ru": _Lexicon(
        subjects=(
            "мужчина/NOUN", "женщина/NOUN", "ребёнок/NOUN", "учительница/NOUN", "врач/NOUN",
            "собака/NOUN", "фермер/NOUN", "студентка/NOUN", "моя/DET сестра/NOUN", "старик/NOUN",
            "кто-то/PRON",
        ),
        actions=(
            "спит/VERB", "ест/VERB", "читает/VERB", "поёт/VERB", "бежит/VERB",
            "готовит/VERB", "пишет/VERB", "плавает/VERB", "танцует/VERB", "работает/VERB",
        ),
        places=(
            "в/ADP парке/NOUN", "дома/ADV", "на/ADP кухне/NOUN", "в/ADP школе/NOUN", "в/ADP саду/NOUN",
            "у/ADP реки/NOUN", "в/ADP библиотеке/NOUN", "на/ADP рынке/NOUN", "в/ADP городе/NOUN",
            "на/ADP пляже/NOUN",
        ),
        companions=(
            "с/ADP другом/NOUN", "со/ADP своим/DET братом/NOUN", "со/ADP своей/DET мамой/NOUN",
            "с/ADP детьми/NOUN", "с/ADP соседом/NOUN", "со/ADP своим/DET дедушкой/NOUN",
        ),
    ),
    "ar": _Lexicon(
        subjects=(
            "الرجل/NOUN", "المرأة/NOUN", "الطفل/NOUN", "المعلمة/NOUN", "الطبيب/NOUN", "الكلب/NOUN",
            "المزارع/NOUN", "الطالبة/NOUN", "أختي/NOUN", "الرجل/NOUN العجوز/ADJ", "شخص/NOUN ما/DET",
        ),
        actions=(
            ("ينام/VERB", "تنام/VERB"), ("يأكل/VERB", "تأكل/VERB"), ("يقرأ/VERB", "تقرأ/VERB"),
            ("يغني/VERB", "تغني/VERB"), ("يركض/VERB", "تركض/VERB"), ("يطبخ/VERB", "تطبخ/VERB"),
            ("يكتب/VERB", "تكتب/VERB"), ("يسبح/VERB", "تسبح/VERB"), ("يرقص/VERB", "ترقص/VERB"),
            ("يعمل/VERB", "تعمل/VERB"),
        ),
        places=(
            "في/ADP المنتزه/NOUN", "في/ADP البيت/NOUN", "في/ADP المطبخ/NOUN", "في/ADP المدرسة/NOUN",
            "في/ADP الحديقة/NOUN", "بجانب/ADP النهر/NOUN", "في/ADP المكتبة/NOUN", "في/ADP السوق/NOUN",
            "في/ADP المدينة/NOUN", "على/ADP الشاطئ/NOUN",
        ),
        companions=(
            "مع/ADP صديق/NOUN",
            ("مع/ADP أخيه/NOUN", "مع/ADP أخيها/NOUN"),
            ("مع/ADP أمه/NOUN", "مع/ADP أمها/NOUN"),
            "مع/ADP الأطفال/NOUN",
            "مع/ADP جار/NOUN",
            ("مع/ADP جده/NOUN", "مع/ADP جدها/NOUN"),
        ),
    ),
    "hi": _Lexicon(
        subjects=(
            "आदमी/NOUN", "औरत/NOUN", "बच्चा/NOUN", "अध्यापिका/NOUN", "डॉक्टर/NOUN", "कुत्ता/NOUN",
            "किसान/NOUN", "छात्रा/NOUN", "मेरी/PRON बहन/NOUN", "बूढ़ा/ADJ आदमी/NOUN", "कोई/PRON",
        ),
        # Verb stems; _hi adds the progressive auxiliaries रहा/रही है.
        actions=(
            "सो/VERB", "खा/VERB", "पढ़/VERB", "गा/VERB", "दौड़/VERB",
            "खाना/NOUN बना/VERB", "लिख/VERB", "तैर/VERB", "नाच/VERB", "काम/NOUN कर/VERB",
        ),
        places=(
            "पार्क/NOUN में/ADP", "घर/NOUN पर/ADP", "रसोई/NOUN में/ADP", "स्कूल/NOUN में/ADP",
            "बगीचे/NOUN में/ADP", "नदी/NOUN के/ADP किनारे/NOUN", "पुस्तकालय/NOUN में/ADP",
            "बाज़ार/NOUN में/ADP", "शहर/NOUN में/ADP", "समुद्र/NOUN तट/NOUN पर/ADP",
        ),
        companions=(
            "एक/NUM दोस्त/NOUN के/ADP साथ/ADP", "अपने/PRON भाई/NOUN के/ADP साथ/ADP",
            "अपनी/PRON माँ/NOUN के/ADP साथ/ADP", "बच्चों/NOUN के/ADP साथ/ADP",
            "एक/NUM पड़ोसी/NOUN के/ADP साथ/ADP", "अपने/PRON दादा/NOUN के/ADP साथ/ADP",
        ),
    ),
    "zh": _Lexicon(
        subjects=(
            "那个/DET 男人/NOUN", "那个/DET 女人/NOUN", "那个/DET 孩子/NOUN", "那位/DET 老师/NOUN",
            "那位/DET 医生/NOUN", "那只/DET 狗/NOUN", "那个/DET 农民/NOUN", "那个/DET 学生/NOUN",
            "我/PRON 妹妹/NOUN", "那位/DET 老人/NOUN", "有/VERB 人/NOUN",
        ),
        actions=(
            "睡觉/VERB", "吃饭/VERB", "看书/VERB", "唱歌/VERB", "跑步/VERB",
            "做饭/VERB", "写字/VERB", "游泳/VERB", "跳舞/VERB", "工作/VERB",
        ),
        places=(
            "在/ADP 公园/NOUN 里/ADP", "在/ADP 家/NOUN", "在/ADP 厨房/NOUN 里/ADP", "在/ADP 学校/NOUN",
            "在/ADP 花园/NOUN 里/ADP", "在/ADP 河边/NOUN", "在/ADP 图书馆/NOUN", "在/ADP 市场/NOUN",
            "在/ADP 城里/NOUN", "在/ADP 海滩/NOUN 上/ADP",
        ),
        companions=(
            "和/ADP 朋友/NOUN 一起/ADV",
            ("和/ADP 他/PRON 哥哥/NOUN 一起/ADV", "和/ADP 她/PRON 哥哥/NOUN 一起/ADV"),
            ("和/ADP 他/PRON 妈妈/NOUN 一起/ADV", "和/ADP 她/PRON 妈妈/NOUN 一起/ADV"),
            "和/ADP 孩子们/NOUN 一起/ADV",
            "和/ADP 邻居/NOUN 一起/ADV",
            ("和/ADP 他/PRON 爷爷/NOUN 一起/ADV", "和/ADP 她/PRON 爷爷/NOUN 一起/ADV"),
        ),
    ),
    "th": _Lexicon(
        subjects=(
            "ผู้ชาย/NOUN", "ผู้หญิง/NOUN", "เด็ก/NOUN", "ครู/NOUN", "หมอ/NOUN", "สุนัข/NOUN",
            "ชาวนา/NOUN", "นักศึกษา/NOUN", "น้องสาว/NOUN ของ/ADP ฉัน/PRON", "ชาย/NOUN ชรา/ADJ",
            "มี/VERB คน/NOUN",
        ),
        actions=(
            "นอนหลับ/VERB", "กิน/VERB ข้าว/NOUN", "อ่าน/VERB หนังสือ/NOUN", "ร้อง/VERB เพลง/NOUN",
            "วิ่ง/VERB", "ทำ/VERB อาหาร/NOUN", "เขียน/VERB หนังสือ/NOUN", "ว่ายน้ำ/VERB",
            "เต้นรำ/VERB", "ทำงาน/VERB",
        ),
        # _th prefixes the locative/progressive อยู่.
        places=(
            "ใน/ADP สวนสาธารณะ/NOUN", "ที่/ADP บ้าน/NOUN", "ใน/ADP ครัว/NOUN", "ที่/ADP โรงเรียน/NOUN",
            "ใน/ADP สวน/NOUN", "ริม/ADP แม่น้ำ/NOUN", "ใน/ADP ห้องสมุด/NOUN", "ที่/ADP ตลาด/NOUN",
            "ใน/ADP เมือง/NOUN", "ที่/ADP ชายหาด/NOUN",
        ),
        companions=(
            "กับ/ADP เพื่อน/NOUN",
            ("กับ/ADP พี่ชาย/NOUN ของ/ADP เขา/PRON", "กับ/ADP พี่ชาย/NOUN ของ/ADP เธอ/PRON"),
            ("กับ/ADP แม่/NOUN ของ/ADP เขา/PRON", "กับ/ADP แม่/NOUN ของ/ADP เธอ/PRON"),
            "กับ/ADP เด็กๆ/NOUN",
            "กับ/ADP เพื่อนบ้าน/NOUN",
            ("กับ/ADP ปู่/NOUN ของ/ADP เขา/PRON", "กับ/ADP ปู่/NOUN ของ/ADP เธอ/PRON"),
        ),
    ),
}



@dataclass(frozen=True)
class _Names:
    """Named entities and the sentence frames around them, in one language.

    ``with_person`` is a frame whose ``{P}`` is filled with ``persons`` (or ``persons_with``, the
    forms a language inflects after "with": Russian instrumental). ``locations`` are locative
    phrases ("in Berlin", "в Берлине", "बर्लिन में"). ``questions`` are frames for
    :data:`QUESTION_SLOTS` with ``{S}``/``{V}``/``{P}`` = the scene's subject, verb group and place;
    ``templates`` are frames for :data:`ENTITY_TEMPLATES` with ``{P}``/``{O}``/``{L}``.
    """

    persons: Tuple[str, ...]
    with_person: str
    locations: Tuple[str, ...]
    organisations: Tuple[str, ...]
    questions: Tuple[Phrase, Phrase, Phrase]
    templates: Tuple[Phrase, Phrase]
    persons_with: Optional[Tuple[str, ...]] = None


_LATIN_PERSONS = (
    "Maria Lopez", "John Smith", "Anna Schmidt", "Ivan Petrov", "Fatima Hassan", "Ahmed Ali",
    "Priya Sharma", "Rahul Gupta", "Li Wei", "Wang Fang", "Somchai", "Sophie Martin",
)
_LATIN_ORGANISATIONS = (
    "Siemens", "Toyota", "Samsung", "Nestlé", "General Motors", "Deutsche Bank", "Air France",
    "Tata Motors", "Alibaba", "Volkswagen",
)

_NAMES: Dict[str, _Names] = {
    "en": _Names(
        persons=_LATIN_PERSONS,
        with_person="with/ADP {P}",
        locations=tuple(f"in/ADP {name}" for name in LOCATIONS),
        organisations=_LATIN_ORGANISATIONS,
        questions=(
            "Where/ADV is/AUX {S} {V} ?/PUNCT",
            "Who/PRON is/AUX {V} {P} ?/PUNCT",
            "What/PRON is/AUX {S} doing/VERB {P} ?/PUNCT",
        ),
        templates=(
            "{P} works/VERB for/ADP {O} {L} ./PUNCT",
            "{O} has/VERB an/DET office/NOUN {L} ./PUNCT",
        ),
    ),
    "de": _Names(
        persons=_LATIN_PERSONS,
        with_person="mit/ADP {P}",
        locations=(
            "in/ADP New York", "in/ADP Berlin", "in/ADP Paris", "in/ADP Madrid", "in/ADP Moskau",
            "in/ADP London", "in/ADP Peking", "in/ADP Bangkok", "in/ADP Buenos Aires",
            "in/ADP Los Angeles", "in/ADP Deutschland", "in/ADP Indien",
        ),
        organisations=_LATIN_ORGANISATIONS,
        questions=(
            "Wo/ADV {V} {S} ?/PUNCT",
            "Wer/PRON {V} {P} ?/PUNCT",
            "Was/PRON macht/VERB {S} {P} ?/PUNCT",
        ),
        templates=(
            "{P} arbeitet/VERB für/ADP {O} {L} ./PUNCT",
            "{O} hat/VERB ein/DET Büro/NOUN {L} ./PUNCT",
        ),
    ),
    "es": _Names(
        persons=("María López",) + _LATIN_PERSONS[1:],
        with_person="con/ADP {P}",
        locations=(
            "en/ADP Nueva York", "en/ADP Berlín", "en/ADP París", "en/ADP Madrid", "en/ADP Moscú",
            "en/ADP Londres", "en/ADP Pekín", "en/ADP Bangkok", "en/ADP Buenos Aires",
            "en/ADP Los Ángeles", "en/ADP Alemania", "en/ADP India",
        ),
        organisations=_LATIN_ORGANISATIONS,
        questions=(
            "¿/PUNCT Dónde/ADV está/AUX {V} {S} ?/PUNCT",
            "¿/PUNCT Quién/PRON está/AUX {V} {P} ?/PUNCT",
            "¿/PUNCT Qué/PRON está/AUX haciendo/VERB {S} {P} ?/PUNCT",
        ),
        templates=(
            "{P} trabaja/VERB para/ADP {O} {L} ./PUNCT",
            "{O} tiene/VERB una/DET oficina/NOUN {L} ./PUNCT",
        ),
    ),
    "fr": _Names(
        persons=_LATIN_PERSONS,
        with_person="avec/ADP {P}",
        # "à" before cities, "en" before feminine countries.
        locations=(
            "à/ADP New York", "à/ADP Berlin", "à/ADP Paris", "à/ADP Madrid", "à/ADP Moscou",
            "à/ADP Londres", "à/ADP Pékin", "à/ADP Bangkok", "à/ADP Buenos Aires",
            "à/ADP Los Angeles", "en/ADP Allemagne", "en/ADP Inde",
        ),
        organisations=_LATIN_ORGANISATIONS,
        questions=(
            "Où/ADV {V} {S} ?/PUNCT",
            "Qui/PRON {V} {P} ?/PUNCT",
            "Que/PRON fait/VERB {S} {P} ?/PUNCT",
        ),
        templates=(
            "{P} travaille/VERB pour/ADP {O} {L} ./PUNCT",
            "{O} a/VERB un/DET bureau/NOUN {L} ./PUNCT",
        ),
    ),
    "ru": _Names(
        persons=(
            "Мария Лопес", "Джон Смит", "Анна Шмидт", "Иван Петров", "Фатима Хасан", "Ахмед Али",
            "Прия Шарма", "Рахул Гупта", "Ли Вэй", "Ван Фан", "Сомчай", "Софи Мартен",
        ),
        persons_with=(
            "Марией Лопес", "Джоном Смитом", "Анной Шмидт", "Иваном Петровым", "Фатимой Хасан",
            "Ахмедом Али", "Прией Шармой", "Рахулом Гуптой", "Ли Вэем", "Ван Фан", "Сомчаем",
            "Софи Мартен",
        ),
        with_person="с/ADP {P}",
        locations=(
            "в/ADP Нью-Йорке", "в/ADP Берлине", "в/ADP Париже", "в/ADP Мадриде", "в/ADP Москве",
            "в/ADP Лондоне", "в/ADP Пекине", "в/ADP Бангкоке", "в/ADP Буэнос-Айресе",
            "в/ADP Лос-Анджелесе", "в/ADP Германии", "в/ADP Индии",
        ),
        organisations=(
            "Сименс", "Тойота", "Самсунг", "Нестле", "Дженерал Моторс", "Дойче Банк", "Эйр Франс",
            "Тата Моторс", "Алибаба", "Фольксваген",
        ),
        questions=(
            "Где/ADV {V} {S} ?/PUNCT",
            "Кто/PRON {V} {P} ?/PUNCT",
            "Что/PRON делает/VERB {S} {P} ?/PUNCT",
        ),
        # The organisation stays in the nominative as an apposition to "компания".
        templates=(
            "{P} работает/VERB в/ADP компании/NOUN {O} {L} ./PUNCT",
            "У/ADP компании/NOUN {O} есть/VERB офис/NOUN {L} ./PUNCT",
        ),
    ),
    "ar": _Names(
        persons=(
            "ماريا لوبيز", "جون سميث", "آنا شميت", "إيفان بيتروف", "فاطمة حسن", "أحمد علي",
            "بريا شارما", "راهول غوبتا", "لي وي", "وانغ فانغ", "سومتشاي", "صوفي مارتن",
        ),
        with_person="مع/ADP {P}",
        locations=(
            "في/ADP نيويورك", "في/ADP برلين", "في/ADP باريس", "في/ADP مدريد", "في/ADP موسكو",
            "في/ADP لندن", "في/ADP بكين", "في/ADP بانكوك", "في/ADP بوينس آيرس",
            "في/ADP لوس أنجلوس", "في/ADP ألمانيا", "في/ADP الهند",
        ),
        organisations=(
            "سيمنس", "تويوتا", "سامسونج", "نستله", "جنرال موتورز", "دويتشه بنك", "إير فرانس",
            "تاتا موتورز", "علي بابا", "فولكس فاغن",
        ),
        questions=(
            "أين/ADV {V} {S} ؟/PUNCT",
            "من/PRON {V} {P} ؟/PUNCT",
            ("ماذا/PRON يفعل/VERB {S} {P} ؟/PUNCT", "ماذا/PRON تفعل/VERB {S} {P} ؟/PUNCT"),
        ),
        templates=(
            ("{P} يعمل/VERB لدى/ADP شركة/NOUN {O} {L} ./PUNCT",
             "{P} تعمل/VERB لدى/ADP شركة/NOUN {O} {L} ./PUNCT"),
            "لدى/ADP شركة/NOUN {O} مكتب/NOUN {L} ./PUNCT",
        ),
    ),
    "hi": _Names(
        persons=(
            "मारिया लोपेज़", "जॉन स्मिथ", "अन्ना श्मिट", "इवान पेत्रोव", "फ़ातिमा हसन", "अहमद अली",
            "प्रिया शर्मा", "राहुल गुप्ता", "ली वेई", "वांग फ़ांग", "सोमचाई", "सोफ़ी मार्टिन",
        ),
        with_person="{P} के/ADP साथ/ADP",
        locations=(
            "न्यूयॉर्क में/ADP", "बर्लिन में/ADP", "पेरिस में/ADP", "मैड्रिड में/ADP", "मॉस्को में/ADP",
            "लंदन में/ADP", "बीजिंग में/ADP", "बैंकॉक में/ADP", "ब्यूनस आयर्स में/ADP",
            "लॉस एंजेलिस में/ADP", "जर्मनी में/ADP", "भारत में/ADP",
        ),
        organisations=(
            "सीमेंस", "टोयोटा", "सैमसंग", "नेस्ले", "जनरल मोटर्स", "डॉयचे बैंक", "एयर फ़्रांस",
            "टाटा मोटर्स", "अलीबाबा", "फ़ॉक्सवैगन",
        ),
        # {V} is the whole progressive group ("सो रहा है"), which _hi marks as the verb slot.
        questions=(
            "{S} कहाँ/ADV {V} ?/PUNCT",
            "{P} कौन/PRON {V} ?/PUNCT",
            ("{S} {P} क्या/PRON कर/VERB रहा/AUX है/AUX ?/PUNCT",
             "{S} {P} क्या/PRON कर/VERB रही/AUX है/AUX ?/PUNCT"),
        ),
        templates=(
            ("{P} {L} {O} के/ADP लिए/ADP काम/NOUN करता/VERB है/AUX ।/PUNCT",
             "{P} {L} {O} के/ADP लिए/ADP काम/NOUN करती/VERB है/AUX ।/PUNCT"),
            "{O} का/ADP {L} एक/NUM दफ़्तर/NOUN है/AUX ।/PUNCT",
        ),
    ),
    "zh": _Names(
        persons=(
            "玛丽亚 ·/PUNCT 洛佩斯", "约翰 ·/PUNCT 史密斯", "安娜 ·/PUNCT 施密特", "伊万 ·/PUNCT 彼得罗夫",
            "法蒂玛 ·/PUNCT 哈桑", "艾哈迈德 ·/PUNCT 阿里", "普丽娅 ·/PUNCT 夏尔马",
            "拉胡尔 ·/PUNCT 古普塔", "李伟", "王芳", "颂猜", "苏菲 ·/PUNCT 马丁",
        ),
        with_person="和/ADP {P} 一起/ADV",
        locations=(
            "在/ADP 纽约", "在/ADP 柏林", "在/ADP 巴黎", "在/ADP 马德里", "在/ADP 莫斯科", "在/ADP 伦敦",
            "在/ADP 北京", "在/ADP 曼谷", "在/ADP 布宜诺斯艾利斯", "在/ADP 洛杉矶", "在/ADP 德国",
            "在/ADP 印度",
        ),
        organisations=(
            "西门子", "丰田", "三星", "雀巢", "通用 汽车", "德意志 银行", "法国 航空", "塔塔 汽车",
            "阿里巴巴", "大众",
        ),
        questions=(
            "{S} 在/ADP 哪里/PRON {V} ？/PUNCT",
            "谁/PRON {P} {V} ？/PUNCT",
            "{S} {P} 做/VERB 什么/PRON ？/PUNCT",
        ),
        templates=(
            "{P} {L} 为/ADP {O} 工作/VERB 。/PUNCT",
            "{O} {L} 有/VERB 一个/NUM 办公室/NOUN 。/PUNCT",
        ),
    ),
    "th": _Names(
        persons=(
            "มาเรีย โลเปซ", "จอห์น สมิธ", "แอนนา ชมิดท์", "อีวาน เปตรอฟ", "ฟาติมา ฮัสซัน",
            "อาห์เหม็ด อาลี", "ปรียา ชาร์มา", "ราหุล คุปตะ", "หลี่ เว่ย", "หวัง ฟาง", "สมชาย",
            "โซฟี มาร์แตง",
        ),
        with_person="กับ/ADP {P}",
        locations=(
            "ที่/ADP นิวยอร์ก", "ที่/ADP เบอร์ลิน", "ที่/ADP ปารีส", "ที่/ADP มาดริด", "ที่/ADP มอสโก",
            "ที่/ADP ลอนดอน", "ที่/ADP ปักกิ่ง", "ที่/ADP กรุงเทพ", "ที่/ADP บัวโนสไอเรส",
            "ที่/ADP ลอสแอนเจลิส", "ที่/ADP เยอรมนี", "ที่/ADP อินเดีย",
        ),
        organisations=(
            "ซีเมนส์", "โตโยต้า", "ซัมซุง", "เนสท์เล่", "เจเนอรัล มอเตอร์ส", "ดอยซ์ แบงก์",
            "แอร์ ฟรานซ์", "ทาทา มอเตอร์ส", "อาลีบาบา", "โฟล์คสวาเกน",
        ),
        questions=(
            "{S} กำลัง/AUX {V} อยู่/AUX ที่ไหน/ADV",
            "ใคร/PRON กำลัง/AUX {V} อยู่/AUX {P}",
            "{S} กำลัง/AUX ทำ/VERB อะไร/PRON อยู่/AUX {P}",
        ),
        templates=(
            "{P} ทำงาน/VERB ให้/ADP {O} {L}",
            "{O} มี/VERB สำนักงาน/NOUN {L}",
        ),
    ),
}


def _pick(phrase: Phrase, gender: str) -> str:
    return phrase if isinstance(phrase, str) else phrase[0] if gender == "m" else phrase[1]


def _tokens(phrase: Phrase, gender: str, slot: str = "", entity: str = "") -> List[Token]:
    """Parse ``"w/TAG w/TAG"`` (picking the gendered variant if any) into NFC-normalised tokens.

    A bare word (no ``/TAG``) is a PROPN; with ``entity`` set, the words from the first to the last
    PROPN (a Chinese name's "·" included) form one entity tagged ``B-``/``I-`` + ``entity``.
    """
    out: List[Token] = []
    for item in _pick(phrase, gender).split():
        form, sep, tag = item.rpartition("/")
        if not sep:
            form, tag = item, "PROPN"
        out.append(Token(unicodedata.normalize("NFC", form), tag, slot))
    if entity:
        names = [i for i, tok in enumerate(out) if tok.upos == "PROPN"]
        for i in range(names[0], names[-1] + 1):
            out[i] = out[i]._replace(ner=("B-" if i == names[0] else "I-") + entity)
    return out


def _fill(frame: Phrase, gender: str, parts: Dict[str, List[Token]]) -> List[Token]:
    """Tokens of a frame whose ``{X}`` placeholders are replaced by ``parts["X"]``."""
    out: List[Token] = []
    for item in _pick(frame, gender).split():
        if item.startswith("{") and item.endswith("}"):
            out += parts[item[1:-1]]
        else:
            out += _tokens(item, gender)
    return out


def _person(lang: str, index: int, slot: str, after_with: bool = False) -> List[Token]:
    names = _NAMES[lang]
    table = names.persons_with if after_with and names.persons_with else names.persons
    return _tokens(table[index], _PERSON_GENDER[index], slot, "PER")


# Per-language assembly: (subject, verb, place, companion, negated, gender, fronted) -> tokens.
# place/companion are empty lists when absent. ``fronted`` is the alternative order with the place
# first ("In the park, the man is sleeping."), a paraphrase of the default order.
_Assemble = Callable[
    [List[Token], List[Token], List[Token], List[Token], bool, str, bool], List[Token]
]


def _neg(flag: bool, *words: Token) -> List[Token]:
    return list(words) if flag else []


def _t(form: str, upos: str, slot: str = "") -> Token:
    return Token(form, upos, slot)


def _en(s: List[Token], v: List[Token], p: List[Token], c: List[Token], neg: bool, g: str,
        fronted: bool) -> List[Token]:
    core = s + [_t("is", "AUX")] + _neg(neg, _t("not", "PART")) + v
    if fronted:
        return p + [_t(",", "PUNCT")] + core + c + [_t(".", "PUNCT")]
    return core + p + c + [_t(".", "PUNCT")]


def _de(s: List[Token], v: List[Token], p: List[Token], c: List[Token], neg: bool, g: str,
        fronted: bool) -> List[Token]:
    # German puts the "with" phrase before the place ("mit einem Freund im Park"); fronting the
    # place puts the verb second (V2): "Im Park schläft der Mann."
    if fronted:
        return p + v + s + _neg(neg, _t("nicht", "PART")) + c + [_t(".", "PUNCT")]
    return s + v + _neg(neg, _t("nicht", "PART")) + c + p + [_t(".", "PUNCT")]


def _es(s: List[Token], v: List[Token], p: List[Token], c: List[Token], neg: bool, g: str,
        fronted: bool) -> List[Token]:
    core = s + _neg(neg, _t("no", "PART")) + [_t("está", "AUX")] + v
    if fronted:
        return p + [_t(",", "PUNCT")] + core + c + [_t(".", "PUNCT")]
    return core + p + c + [_t(".", "PUNCT")]


def _fr(s: List[Token], v: List[Token], p: List[Token], c: List[Token], neg: bool, g: str,
        fronted: bool) -> List[Token]:
    ne = "n'" if v[0].form[0] in "aeiouyéèêâîô" else "ne"
    core = s + _neg(neg, _t(ne, "PART")) + v + _neg(neg, _t("pas", "PART"))
    if fronted:
        return p + [_t(",", "PUNCT")] + core + c + [_t(".", "PUNCT")]
    return core + p + c + [_t(".", "PUNCT")]


def _ru(s: List[Token], v: List[Token], p: List[Token], c: List[Token], neg: bool, g: str,
        fronted: bool) -> List[Token]:
    core = s + _neg(neg, _t("не", "PART")) + v
    if fronted:
        return p + core + c + [_t(".", "PUNCT")]
    return core + p + c + [_t(".", "PUNCT")]


def _ar(s: List[Token], v: List[Token], p: List[Token], c: List[Token], neg: bool, g: str,
        fronted: bool) -> List[Token]:
    # Nominal (subject-first) sentence; the verb's gender prefix (ي/ت) comes from the lexicon.
    core = s + _neg(neg, _t("لا", "PART")) + v
    if fronted:
        return p + [_t("،", "PUNCT")] + core + c + [_t(".", "PUNCT")]
    return core + p + c + [_t(".", "PUNCT")]


def _hi(s: List[Token], v: List[Token], p: List[Token], c: List[Token], neg: bool, g: str,
        fronted: bool) -> List[Token]:
    # SOV: subject, companion, place, stem [नहीं] रहा/रही है ।  The auxiliaries belong to the verb
    # slot: "सो रहा है" is what a "what is X doing" question asks for.
    rah = "रहा" if g == "m" else "रही"
    verb = v + _neg(neg, _t("नहीं", "PART")) + [_t(rah, "AUX", "verb"), _t("है", "AUX", "verb")]
    if fronted:
        return p + s + c + verb + [_t("।", "PUNCT")]
    return s + c + p + verb + [_t("।", "PUNCT")]


def _zh(s: List[Token], v: List[Token], p: List[Token], c: List[Token], neg: bool, g: str,
        fronted: bool) -> List[Token]:
    # 在 is the locative preposition when there is a place, else the progressive marker.
    if fronted:
        aspect = [] if neg else [_t("在", "AUX")]
        return p + [_t("，", "PUNCT")] + s + _neg(neg, _t("没有", "PART")) + c + aspect + v + [_t("。", "PUNCT")]
    return s + _neg(neg, _t("没有", "PART")) + c + (p or [_t("在", "AUX")]) + v + [_t("。", "PUNCT")]


def _th(s: List[Token], v: List[Token], p: List[Token], c: List[Token], neg: bool, g: str,
        fronted: bool) -> List[Token]:
    # Progressive กำลัง ... อยู่; negated as ไม่ได้ ... ; no sentence-final punctuation in Thai.
    aspect = [_t("ไม่", "PART"), _t("ได้", "AUX")] if neg else [_t("กำลัง", "AUX")]
    if fronted:
        return p + s + aspect + v + c + _neg(not neg, _t("อยู่", "AUX"))
    return s + aspect + v + c + ([_t("อยู่", "AUX")] + p if p else [])


_ASSEMBLE: Dict[str, _Assemble] = {
    "en": _en, "de": _de, "es": _es, "fr": _fr, "ru": _ru, "ar": _ar, "hi": _hi, "zh": _zh, "th": _th,
}
_NO_SPACE_LANGS = frozenset({"zh", "th"})


def _capitalised(tokens: List[Token]) -> List[Token]:
    first = tokens[0]
    return [first._replace(form=first.form[:1].upper() + first.form[1:])] + tokens[1:]


def _check_lang(lang: str) -> None:
    if lang not in _LEX:
        raise ValueError(f"unknown language {lang!r}; expected one of {LANGUAGES}")


def _render(scene: Scene, lang: str, fronted: bool) -> List[Token]:
    _check_lang(lang)
    lex, gender = _LEX[lang], scene.gender
    if fronted and not scene.has_place:
        raise ValueError("a fronted rendering needs a place")
    if scene.person is not None:
        subject = _person(lang, scene.person, "subject")
    else:
        subject = _tokens(lex.subjects[scene.subject], gender, "subject")
    if scene.location is not None:
        place = _tokens(_NAMES[lang].locations[scene.location], gender, "place", "LOC")
    elif scene.place is not None:
        place = _tokens(lex.places[scene.place], gender, "place")
    else:
        place = []
    if scene.with_person is not None:
        name = _person(lang, scene.with_person, "companion", after_with=True)
        companion = _fill(_NAMES[lang].with_person, gender, {"P": name})
        companion = [tok._replace(slot="companion") for tok in companion]
    elif scene.companion is not None:
        companion = _tokens(lex.companions[scene.companion], gender, "companion")
    else:
        companion = []
    verb = _tokens(lex.actions[scene.action], gender, "verb")
    return _ASSEMBLE[lang](subject, verb, place, companion, scene.negated, gender, fronted)


def render_tokens(scene: Scene, lang: str, fronted: bool = False) -> List[Token]:
    """The tokens of ``scene`` in ``lang`` (first word capitalised), with UPOS, slot and NER tags.

    ``fronted`` renders the equivalent order with the place first (needs a place).
    """
    return _capitalised(_render(scene, lang, fronted))


def render(scene: Scene, lang: str, fronted: bool = False) -> List[Word]:
    """The words of ``scene`` in ``lang`` as ``(form, UPOS)`` pairs, first word capitalised."""
    return [(tok.form, tok.upos) for tok in render_tokens(scene, lang, fronted)]


def _slot(tokens: Sequence[Token], slot: str) -> List[Token]:
    return [tok for tok in tokens if tok.slot == slot]


def question_tokens(scene: Scene, lang: str, kind: str) -> List[Token]:
    """A question about ``scene`` whose answer is its :data:`QUESTION_SLOTS` ``[kind]`` slot.

    "where": "Where is the man sleeping?"; "who": "Who is sleeping in the park?"; "what": "What is
    the man doing in the park?". The scene must have a place and no negation.
    """
    _check_lang(lang)
    if kind not in QUESTION_SLOTS:
        raise ValueError(f"unknown question kind {kind!r}; expected one of {tuple(QUESTION_SLOTS)}")
    if scene.negated or not scene.has_place:
        raise ValueError("questions need a scene with a place and without negation")
    tokens = _render(scene, lang, fronted=False)
    # "who" does not know the subject: its verb takes the generic masculine form (subject "the man").
    verb_source = _render(replace(scene, subject=0, person=None), lang, False) if kind == "who" else tokens
    parts = {"S": _slot(tokens, "subject"), "V": _slot(verb_source, "verb"), "P": _slot(tokens, "place")}
    frame = _NAMES[lang].questions[tuple(QUESTION_SLOTS).index(kind)]
    return _capitalised(_fill(frame, scene.gender, parts))


def question(scene: Scene, lang: str, kind: str) -> str:
    """``surface(question_tokens(scene, lang, kind), lang)``."""
    return surface(question_tokens(scene, lang, kind), lang)


def answer_span(tokens: Sequence[Token], kind: str) -> Tuple[int, int]:
    """``(start, end)`` token indices of the answer to a ``kind`` question in a rendered scene."""
    indices = [i for i, tok in enumerate(tokens) if tok.slot == QUESTION_SLOTS[kind]]
    if not indices or indices[-1] - indices[0] + 1 != len(indices):
        raise ValueError(f"no contiguous {QUESTION_SLOTS[kind]} slot in {tokens!r:.200}")
    return indices[0], indices[-1] + 1


def entity_tokens(item: EntitySentence, lang: str) -> List[Token]:
    """The tokens of an :class:`EntitySentence` in ``lang``, with UPOS and NER tags."""
    _check_lang(lang)
    gender = _PERSON_GENDER[item.person]
    parts = {
        "P": _person(lang, item.person, "subject"),
        "O": _tokens(_NAMES[lang].organisations[item.organisation], gender, "", "ORG"),
        "L": _tokens(_NAMES[lang].locations[item.location], gender, "place", "LOC"),
    }
    return _capitalised(_fill(_NAMES[lang].templates[item.template], gender, parts))


def surface_spans(words: Sequence[Sequence[str]], lang: str) -> Tuple[str, List[Tuple[int, int]]]:
    """Join words (``Word`` or ``Token``) into text; also return each word's ``(start, end)``.

    Spaces between words except in zh/th, none before PUNCT or after an elided French
    article/particle (``l'``, ``n'``) or an opening ``¿``.
    """
    text, spans = "", []
    for i, word in enumerate(words):
        form = word[0]
        if lang not in _NO_SPACE_LANGS and i > 0:
            previous = words[i - 1][0]
            if not (word[1] == "PUNCT" or previous.endswith("'") or previous == "¿"):
                text += " "
        spans.append((len(text), len(text) + len(form)))
        text += form
    return text, spans


def surface(words: Sequence[Sequence[str]], lang: str) -> str:
    """The text of ``words`` as joined by :func:`surface_spans`."""
    return surface_spans(words, lang)[0]


def sentence(scene: Scene, lang: str, fronted: bool = False) -> str:
    """``surface(render(scene, lang, fronted), lang)``."""
    return surface(render(scene, lang, fronted), lang)


def random_scene(rng: random.Random, companion_prob: float = 0.3, negated_prob: float = 0.25) -> Scene:
    """A scene with a real subject (never "someone") and a place; companion and negation at random.

    Always consumes the same number of draws from ``rng`` so callers stay reproducible.
    """
    subject = rng.randrange(SOMEONE)
    action = rng.randrange(len(ACTIONS))
    place = rng.randrange(len(PLACES))
    companion = rng.randrange(len(COMPANIONS))
    with_companion = rng.random() < companion_prob
    negated = rng.random() < negated_prob
    return Scene(subject, action, place, companion if with_companion else None, negated)


def coverage_sentences(lang: str) -> List[List[Token]]:
    """Sentences that together use every word the lexicon can produce in ``lang``.

    Why: the tiny model's tokenizer is trained on the corpus, so the corpus must contain every
    word of every task; the generator adds these sentences where the corpus lacks a word, and
    ``vocabulary`` is the union of their words.
    """
    out: List[List[Token]] = []
    for gender_subject in (0, 1):  # m and f agreement (verbs, possessives, auxiliaries)
        for action in range(len(ACTIONS)):
            for negated in (False, True):
                out.append(render_tokens(Scene(gender_subject, action, negated=negated), lang))
                out.append(render_tokens(Scene(gender_subject, action, action, negated=negated), lang, True))
        for companion in range(len(COMPANIONS)):
            out.append(render_tokens(Scene(gender_subject, companion, 0, companion), lang))
    for subject in range(len(SUBJECTS)):
        out.append(render_tokens(Scene(subject, subject % len(ACTIONS), subject % len(PLACES)), lang))
    for place in range(len(PLACES)):
        out.append(render_tokens(Scene(0, place, place), lang, fronted=True))
    for k in range(len(PERSONS)):
        other = (k + 1) % len(PERSONS)
        location = k % len(LOCATIONS)
        scene = Scene(0, k % len(ACTIONS), person=k, location=location, with_person=other)
        out.append(render_tokens(scene, lang))
        for kind in QUESTION_SLOTS:
            out.append(question_tokens(scene, lang, kind))
            out.append(question_tokens(replace(scene, person=None, subject=k % SOMEONE, location=None,
                                               place=k % len(PLACES)), lang, kind))
    for location in range(len(LOCATIONS)):
        out.append(render_tokens(Scene(location % SOMEONE, location % len(ACTIONS), location=location), lang))
    for org in range(len(ORGANISATIONS)):
        for template in range(len(ENTITY_TEMPLATES)):
            person = (org + template) % len(PERSONS)
            out.append(entity_tokens(EntitySentence(template, person, org, org % len(LOCATIONS)), lang))
    return out


def vocabulary(lang: str) -> List[str]:
    """Every word form the lexicon can produce in ``lang`` (sorted; first-word capitals included)."""
    return sorted({tok.form for tokens in coverage_sentences(lang) for tok in tokens})


def _validate() -> None:
    """Fail at import if a language's lexicon is incomplete or uses a tag outside UPOS_TAGS."""
    sizes = {"subjects": len(SUBJECTS), "actions": len(ACTIONS), "places": len(PLACES),
             "companions": len(COMPANIONS)}
    names = {"persons": len(PERSONS), "locations": len(LOCATIONS), "organisations": len(ORGANISATIONS)}
    assert len(_GENDER) == len(SUBJECTS) and set(_GENDER) <= {"m", "f"}
    assert len(_PERSON_GENDER) == len(PERSONS) and set(_PERSON_GENDER) <= {"m", "f"}
    assert set(_LEX) == set(LANGUAGES) == set(_ASSEMBLE) == set(_NAMES)
    for lang in LANGUAGES:
        tables = [(field, getattr(_LEX[lang], field), size, False) for field, size in sizes.items()]
        tables += [(field, getattr(_NAMES[lang], field), size, True) for field, size in names.items()]
        if _NAMES[lang].persons_with is not None:
            tables.append(("persons_with", _NAMES[lang].persons_with, len(PERSONS), True))
        for field, phrases, size, is_name in tables:
            if len(phrases) != size:
                raise ValueError(f"lexicon {lang}.{field}: {len(phrases)} entries, expected {size}")
            for phrase in phrases:
                for variant in phrase if isinstance(phrase, tuple) else (phrase,):
                    words = _tokens(variant, "m")
                    if is_name != any(tok.upos == "PROPN" for tok in words):
                        raise ValueError(f"lexicon {lang}.{field}: PROPN only in names: {variant!r}")
                    for tok in words:
                        if not tok.form or tok.upos not in UPOS_TAGS:
                            raise ValueError(f"lexicon {lang}.{field}: bad word {tok.form!r}/{tok.upos!r}")
        frames = _NAMES[lang]
        for frame in (frames.with_person,) + frames.questions + frames.templates:
            for variant in frame if isinstance(frame, tuple) else (frame,):
                for item in variant.split():
                    glue = item.startswith("{") or item.rpartition("/")[2] in UPOS_TAGS
                    if not glue or item.endswith("/PROPN"):
                        raise ValueError(f"lexicon {lang}: frame word {item!r} needs a /TAG (not PROPN)")


_validate()
