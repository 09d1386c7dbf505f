from __future__ import annotations

import pytest

from processors.classifier import detect_language


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
        ("", None),
        ("12345 !!!", None),
    ],
)
def test_detect_language(text: str, lang: str | None) -> None:
    assert detect_language(text) == lang
