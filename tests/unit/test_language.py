"""Language identification (oreradar/language.py) on regional headlines written for
these tests (tests/unit/data/language_headlines.tsv)."""

from __future__ import annotations

from pathlib import Path

import pytest

from oreradar.language import detect_language, normalise_lang, script_of

HEADLINES = [
    tuple(line.split("\t", 1))
    for line in (Path(__file__).parent / "data" / "language_headlines.tsv").read_text(encoding="utf-8").splitlines()
    if line.strip() and not line.startswith("#")
]


def test_the_headline_set_covers_every_claimed_language() -> None:
    assert len(HEADLINES) >= 32
    assert {lang for lang, _ in HEADLINES} == {"kk", "ky", "tg", "uz", "ru", "en", "zh"}


@pytest.mark.parametrize(("lang", "text"), HEADLINES, ids=[f"{i}-{h[0]}" for i, h in enumerate(HEADLINES)])
def test_regional_headlines(lang: str, text: str) -> None:
    assert detect_language(text.strip()) == lang


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Казахстан увеличил добычу урана на 5%", "ru"),
        ("Kazakhstan raised uranium output by 5% this year", "en"),
        ("Қазақстан уран өндіруді арттырды", "kk"),
        ("Oʻzbekiston va Xitoy hamkorlik toʻgʻrisida kelishib oldi", "uz"),
        ("Ўзбекистон ва Хитой ҳамкорлик тўғрисида", "uz"),
        ("中国限制稀土出口", "zh"),
        ("Україна та США підписали угоду про мінерали", "uk"),
        ("Die Regierung und die Industrie haben sich auf eine neue Strategie für Rohstoffe geeinigt", "de"),
        ("", None),
        ("12345 !!!", None),
    ],
)
def test_detect_language(text: str, lang: str | None) -> None:
    assert detect_language(text) == lang


def test_scripts_and_codes() -> None:
    assert script_of("uz", "Ўзбекистон мис экспортини оширди") == "cyrl"
    assert script_of("uz", "Oʻzbekiston mis eksportini oshirdi") == "latn"
    assert script_of("zh", "北京限制鎵、鍺出口") == "hant"
    assert script_of("zh", "北京限制镓、锗出口") == "hans"
    assert script_of("ru", "текст") is None
    assert normalise_lang("uz-Cyrl") == "uz" and normalise_lang("kz") == "kk" and normalise_lang("") is None


def test_the_feed_normaliser_does_not_load_the_classifier() -> None:
    import subprocess
    import sys

    code = (
        "import sys; from producers.feeds.normalise import default_language_detector as d; "
        "f = d(); assert f('Қазақстан уран өндіруді арттырды') == 'kk'; "
        "assert not any(m.startswith('processors.classifier') for m in sys.modules), 'classifier loaded'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_the_model_holds_only_the_claimed_languages() -> None:
    from oreradar.language import LANGUAGES, _model

    model = _model()
    assert set(model.nb_classes) == set(LANGUAGES)
    assert model.nb_ptc.shape[1] == len(model.nb_classes)  # not the 142-language table


def test_a_classifier_does_not_load_the_model_until_an_item_needs_it() -> None:
    # ~53 MB and 0.6 CPU seconds that a worker whose items name their language never
    # spends; a fresh process, since other tests load the model
    import subprocess
    import sys

    script = (
        "import oreradar.language as L\n"
        "from oreradar.records import NewsItem\n"
        "from processors.classifier import Classifier, chinese\n"
        "clf = Classifier.load()\n"
        "clf.classify(NewsItem.create(source='t', title='Казахстан ограничил экспорт урана', lang='ru'))\n"
        "assert L._identifier is None, 'loaded at start'\n"
        "assert chinese._converters is None, 'OpenCC kept after loading'\n"
        "signal = clf.classify(NewsItem.create(source='t', title='Қазақстан уран экспортын шектеді'))\n"
        "assert L._identifier is not None and signal.lang == 'kk', signal.lang\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=Path(__file__).parents[2])
    assert done.returncode == 0, done.stderr[-2000:]
