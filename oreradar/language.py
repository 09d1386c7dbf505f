"""Which language a news text is written in: the languages oreradar claims to read.

    >>> detect_language("Казахстан ограничил экспорт вольфрама")
    'ru'
    >>> detect_language("Кыргызстан алтын казып алууну быйыл көбөйтөт")
    'ky'
    >>> detect_language("中国限制稀土出口")
    'zh'
    >>> normalise_lang("uz-Cyrl"), normalise_lang("KZ"), normalise_lang(None)
    ('uz', 'kk', None)

Both the classifier (which morphology to apply, ``Signal.lang``) and the feed
normaliser (``NewsItem.lang`` when a feed does not declare it) call this module; it
imports nothing of the classifier, so the feed poller does not load the classifier.

How it decides, cheapest first:

1. **Script shortcuts that cannot be wrong**: no letters at all -> ``None``; Han
   characters that outweigh the rest -> ``zh`` (kana -> ``ja``, hangul -> ``ko``);
   Cyrillic with Ukrainian-only letters -> ``uk``.
2. **py3langid** (a naive Bayes model over byte n-grams, shipped inside the package)
   restricted with ``set_languages`` to :data:`LANGUAGES` (kk, ky, tg, uz, ru, en, zh).
   Letters alone cannot do this: Kyrgyz and Kazakh share ө ү ң, Tajik and Uzbek share
   ҳ қ ғ, and many Kyrgyz headlines have none of them. Measured on
   ``tests/unit/data/language_headlines.tsv`` (41 regional headlines): the earlier
   letter-and-stopword detector 25/41, py3langid 40/41, this module 41/41.
3. **A Russian text that quotes a local name** ("«Казатомпром» (Қазатомөнеркәсіп)
   снизил…") is read as Kazakh by the model because of the one word's letters. When the
   model says kk/ky/tg/uz, at most a fifth of the Cyrillic words carry letters Russian
   lacks, and the text without those words reads as Russian, it is Russian.
4. Latin texts the model calls ``en`` or ``uz`` that are clearly German, French,
   Spanish or Turkish by their stopwords keep that code (the model is restricted, so
   it cannot say so itself): the classifier then applies no English stemming rules
   by mistake... and ``Signal.lang`` stays truthful.

Only the first :data:`SAMPLE` characters are read. A long sample of Russian (no letter
Russian lacks, or a local name or two among many Russian function words) or of English
(ASCII letters, English function words) is settled by its letters: 193 of 200 ru/en
bench articles. The model (about 0.6 s to load, 53 MB kept, ~0.2-0.9 ms a call) decides
the rest, once per item that does not name its language; it is loaded when the first
such item needs it, so a process whose items all name their language never loads it.
"""

from __future__ import annotations

import re
import threading
from typing import Any

__all__ = ["LANGUAGES", "LOCAL_LANGUAGES", "SAMPLE", "detect_language", "normalise_lang", "preload", "script_of"]

LANGUAGES = ("kk", "ky", "tg", "uz", "ru", "en", "zh")
LOCAL_LANGUAGES = frozenset({"kk", "ky", "tg", "uz"})  # read with their own stem rules
SAMPLE = 600

_WORD_RE = re.compile(r"[^\W\d_]+(?:['’ʻ‘`][^\W\d_]+)*")
_UK_ONLY = frozenset("єїґЄЇҐ")
# Letters of the Cyrillic alphabets of kk, ky, tg, uz that Russian does not have.
_NON_RUSSIAN_CYRILLIC = frozenset("әғқңөұүһіўҳҷӣӯӘҒҚҢӨҰҮҺІЎҲҶӢӮ")
_CYRILLIC_WORD_RE = re.compile(r"[\u0400-\u04ff]+")

_LATIN_STOPWORDS: dict[str, frozenset[str]] = {
    "en": frozenset("the and of to in is for on that with as by at from was are has have will its".split()),
    "de": frozenset("der die das und von mit den ist für auf nicht sich des dem eine".split()),
    "fr": frozenset("le la les et des du une est pour dans sur par qui au aux".split()),
    "es": frozenset("el la los las y del que en por con para una es se al".split()),
    "tr": frozenset("ve bir bu ile için olarak da de olan daha çok".split()),
}

# Codes feeds and people write for the languages above.
_ALIASES = {"kz": "kk", "kaz": "kk", "kir": "ky", "kgz": "ky", "kg": "ky", "tgk": "tg", "tj": "tg", "uzb": "uz",
            "rus": "ru", "eng": "en", "zho": "zh", "chi": "zh", "cn": "zh"}

_identifier: Any = None
_lock = threading.Lock()


def normalise_lang(code: str | None) -> str | None:
    """A language code as the classifier uses it: lower case, no region or script part."""
    if not code:
        return None
    base = re.split(r"[-_]", code.strip().lower(), maxsplit=1)[0]
    return _ALIASES.get(base, base) or None


def _model() -> Any:
    """py3langid's shipped model, restricted to LANGUAGES (loaded on first use, ~0.5 s)."""
    global _identifier
    if _identifier is None:
        with _lock:
            if _identifier is None:
                from py3langid.langid import MODEL_FILE, LanguageIdentifier

                identifier = LanguageIdentifier.from_model_file(MODEL_FILE)
                identifier.set_languages(list(LANGUAGES))
                _identifier = _without_other_languages(identifier, LanguageIdentifier)
    return _identifier


def _without_other_languages(identifier: Any, cls: Any) -> Any:
    """The restricted identifier without the table of all 142 languages that
    ``set_languages`` keeps aside (for a reset we never do): about 28 MB of RSS. The same
    arrays as the restricted ones, so the same scores and answers. Where a py3langid
    release builds identifiers differently, the identifier as it is."""
    try:
        return cls(identifier.nb_ptc, identifier.nb_pc, identifier.nb_classes, identifier.tk_nextmove,
                   identifier.tk_output, tk_row=identifier.tk_row)
    except (TypeError, AttributeError):  # pragma: no cover - another py3langid layout
        return identifier


def preload() -> threading.Thread:
    """Load the model in a background thread. Nothing calls this by default: the model
    costs about 53 MB and 0.6 CPU seconds, and most items name their language or are
    settled by their letters, so a process loads it when an item first needs it. A
    process that expects items without a language and cannot let the first of them wait
    half a second may call this at start."""
    thread = threading.Thread(target=_model, name="oreradar-langid-load", daemon=True)
    thread.start()
    return thread


# Letters by script, counted by regexes (in C: a Python loop over 600 characters cost
# more than the rest of the decision). Latin: ASCII letters, Latin-1 to Latin Extended-B
# letters and the ʻ of Uzbek.
_LATIN_RE = re.compile("[A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u02bb]")
_CYRILLIC_RE = re.compile("[\u0400-\u04ff]")
_HAN_RE = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_KANA_RE = re.compile("[\u3040-\u30ff]")
_HANGUL_RE = re.compile("[\uac00-\ud7af]")


def _script_counts(sample: str) -> tuple[int, int, int, int, int]:
    """Letters of ``sample`` in Latin, Cyrillic, Han, kana and hangul."""
    if sample.isascii():
        return len(_LATIN_RE.findall(sample)), 0, 0, 0, 0
    return (
        len(_LATIN_RE.findall(sample)), len(_CYRILLIC_RE.findall(sample)), len(_HAN_RE.findall(sample)),
        len(_KANA_RE.findall(sample)), len(_HANGUL_RE.findall(sample)),
    )


def detect_language(text: str | None) -> str | None:
    """ISO 639-1 code of the text's language, or ``None`` when there is nothing to go on."""
    if not text:
        return None
    sample = text[:SAMPLE]
    latin, cyrillic, han, kana, hangul = _script_counts(sample)
    if latin + cyrillic + han + kana + hangul == 0:
        return None
    if kana and kana + han >= max(latin, cyrillic):
        return "ja"
    if hangul and hangul >= max(latin, cyrillic):
        return "ko"
    if han * 3 >= max(latin, cyrillic):  # one Han character carries about as much as a short word
        return "zh"
    if cyrillic >= latin and not _UK_ONLY.isdisjoint(sample):
        return "uk"
    shortcut = _plain_russian_or_english(sample, latin, cyrillic)
    if shortcut is not None:
        return shortcut
    lang = str(_model().classify(sample)[0])
    if lang in LOCAL_LANGUAGES and cyrillic >= latin:
        return _russian_quoting_a_name(sample, lang)
    if lang in ("en", "uz") and latin > cyrillic:
        return _other_latin(sample, lang)
    return lang


# A sample this long (letters) shows a local language's letters if it is in one: a
# paragraph of Kazakh, Kyrgyz, Tajik or Cyrillic Uzbek without any of them does not occur.
_SHORTCUT_LETTERS = 200


def _plain_russian_or_english(sample: str, latin: int, cyrillic: int) -> str | None:
    """``ru`` or ``en`` without the model where the letters alone settle it: a long
    Cyrillic sample with no letter Russian lacks; a long ASCII sample full of English
    function words and without Uzbek's oʻ/gʻ. ``None`` otherwise (the model decides).
    Most items are Russian or English: they never load the model (~90 MB, ~1 s)."""
    if cyrillic >= _SHORTCUT_LETTERS and cyrillic > 4 * latin:
        if _NON_RUSSIAN_CYRILLIC.isdisjoint(sample):
            return "ru"
        # a Russian text quoting a local name or two ("Қазатомөнеркәсіп"): few such words,
        # many Russian function words (which the four other languages do not use)
        words = _CYRILLIC_WORD_RE.findall(sample.lower())
        local = sum(1 for w in words if not _NON_RUSSIAN_CYRILLIC.isdisjoint(w))
        russian = sum(1 for w in words if w in _RUSSIAN_STOPWORDS)
        if local * 10 <= len(words) and russian >= 4 and russian * 16 >= len(words):
            return "ru"
        return None
    if _latin_letters_ascii(sample, latin, cyrillic):
        low = sample.lower()
        if any(mark in low for mark in _UZBEK_MARKS):
            return None
        words = _WORD_RE.findall(low)
        english = sum(1 for w in words if w in _LATIN_STOPWORDS["en"])
        if english >= 4 and english * 8 >= len(words):
            return "en"
    return None


_UZBEK_MARKS = ("o'", "g'", "oʻ", "gʻ", "o‘", "g‘", "o’", "g’", "o`", "g`")
_RUSSIAN_STOPWORDS = frozenset("и в на с по о об из для что не от за к до это как у его а также при".split())
_NON_ASCII_LETTER_RE = re.compile("[\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u02bb]")


def _latin_letters_ascii(sample: str, latin: int, cyrillic: int) -> bool:
    """A long Latin sample whose letters are all ASCII (typographic quotes and dashes allowed)."""
    return latin >= _SHORTCUT_LETTERS and cyrillic == 0 and not _NON_ASCII_LETTER_RE.search(sample)


def _russian_quoting_a_name(sample: str, lang: str) -> str:
    """``ru`` when the only non-Russian thing about a Cyrillic text is a few words with
    local letters (names), else ``lang``."""
    words = _CYRILLIC_WORD_RE.findall(sample)
    local = [w for w in words if not _NON_RUSSIAN_CYRILLIC.isdisjoint(w)]
    if not local or len(local) * 5 > len(words):
        return lang
    rest = " ".join(w for w in words if _NON_RUSSIAN_CYRILLIC.isdisjoint(w))
    return "ru" if _model().classify(rest)[0] == "ru" else lang


def _other_latin(sample: str, lang: str) -> str:
    words = _WORD_RE.findall(sample.lower())
    # Turkish shares "da", "bu", "bir" with Uzbek: it does not overrule the model's "uz"
    hits = {code: sum(1 for w in words if w in stop) for code, stop in _LATIN_STOPWORDS.items()
            if not (lang == "uz" and code == "tr")}
    best = max(hits, key=lambda code: hits[code])
    if best != "en" and hits[best] >= 2 and hits[best] > hits["en"]:
        return best
    return lang


def script_of(lang: str | None, text: str) -> str | None:
    """The script variant a text of ``lang`` is written in, where the language has two:
    ``uz``: ``latn`` or ``cyrl``; ``zh``: ``hans`` or ``hant`` (traditional characters
    that simplified Chinese does not use). ``None`` for the other languages."""
    if lang == "uz":
        latin, cyrillic, *_ = _script_counts(text[:2000])
        return "cyrl" if cyrillic > latin else "latn"
    if lang == "zh":
        return "hant" if _TRADITIONAL_ONLY.intersection(text[:4000]) else "hans"
    return None


# Frequent characters of traditional Chinese whose simplified forms differ (news vocabulary):
# one of them is enough to tell a Taipei or Hong Kong text from a Beijing one.
_TRADITIONAL_ONLY = frozenset(
    "國對實與產業經濟關礦開發鏈貿易進價說們這會為來時個從後際內區長門見認現當機華資運輸東"
    "鐵銀錢銅鋁鋅鎳鈷鋰鎢鎵鍺銻鏑釤釓鑛廠條計劃網體總統員製設場將還廣衛應邊亞歐灣臺"
)
