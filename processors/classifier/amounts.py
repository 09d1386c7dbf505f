"""Money figures with their currency, normalised to a value and an ISO 4217 code.

    >>> finder = AmountFinder.load(DEFAULT_DATA / "currencies.yaml")
    >>> [(a.value, a.currency) for a in finder.find("на сумму 12,4 миллиарда долларов", "body")]
    [(12400000000.0, 'USD')]
    >>> [(a.value, a.currency, a.text) for a in finder.find("a $35bn plan and €1.2 billion", "body")]
    [(35000000000.0, 'USD', '$35bn'), (1200000000.0, 'EUR', '€1.2 billion')]

Two regular expressions built from ``data/currencies.yaml``: a currency written before
the figure ("$35bn", "US$1.2 billion", "€1.2 billion", "¥40 billion") and one written
after it ("350 млрд тенге", "2 трлн сумов", "1.5 trillion tenge", "400亿美元").
Qualifiers ("почти", "более", "over", "about") stay outside the match, so the stated
figure is kept; a range keeps its first figure. "¥" is the yuan unless the text speaks
of Japan and not China.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from oreradar.errors import ConfigError
from oreradar.records import Amount

__all__ = ["AmountFinder", "DEFAULT_DATA", "format_value"]

DEFAULT_DATA = Path(__file__).parent / "data"

_NUM = r"\d{1,3}(?:(?:,|[ \u00a0\u202f])\d{3})+(?:\.\d+)?(?![\d,])|\d+(?:[.,]\d+)?"
_RANGE_SEP = r"(?:\s?[-–—]\s?|\s+(?:to|до|and|и|or|или)\s+)"
# A currency word must not run on into a longer word (сом/сомони); Han may follow.
_WORD_END = r"(?![^\W\u3400-\u9fff])"
_JAPAN_RE = re.compile(r"\b(?:Japan\w*|yen|Япон\w*|иен\w*|йен\w*)|日本|日元", re.I)
_CHINA_RE = re.compile(r"\b(?:China|Chinese|Beijing|yuan|renminbi|RMB|Кита\w*|Пекин\w*|юан\w*)|中国|人民币", re.I)


@dataclass(frozen=True)
class _Currency:
    code: str
    usd: float


def format_value(value: float) -> str:
    """ "12400000000" for whole numbers, else the shortest float text."""
    return str(int(value)) if value == int(value) else repr(value)


def _number(text: str) -> float | None:
    s = re.sub(r"[ \u00a0\u202f]", "", text)
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?", s):
        s = s.replace(",", "")
    else:
        s = s.replace(",", ".")
    try:
        return float(s)
    except ValueError:
        return None


class AmountFinder:
    """Finds money in a field; see the module doc."""

    def __init__(self, currencies: list[_Currency], scales: dict[str, float], prefix: re.Pattern[str],
                 suffix: re.Pattern[str]) -> None:
        self._currencies = {c.code: c for c in currencies}
        self._scales = scales  # lower-cased scale word -> multiplier, tried by regex
        self._scale_res = [(re.compile(p, re.I), m) for p, m in scales.items()]
        self._prefix = prefix
        self._suffix = suffix

    @classmethod
    def load(cls, path: Path) -> AmountFinder:
        if not path.exists():
            raise ConfigError(f"currency table {path} is missing; restore it or pass data_dir=")
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        scales: dict[str, float] = {}
        scale_words: list[str] = []
        scale_symbol: list[str] = []
        for mult, spec in (data.get("scales") or {}).items():
            for w in spec.get("words") or []:
                scales[f"(?:{w})"] = float(mult)
                scale_words.append(w)
            for w in spec.get("symbol_only") or []:
                scales[f"(?:{w})"] = float(mult)
                scale_symbol.append(w)
        currencies: list[_Currency] = []
        before: list[str] = []
        before_plain: list[str] = []
        after: list[str] = []
        for row in data.get("currencies") or []:
            code = str(row["code"])
            if not re.fullmatch(r"[A-Z]{3}", code):
                raise ConfigError(f"{path}: {code!r} is not an ISO 4217 code")
            currencies.append(_Currency(code, float(row.get("usd", 0.0))))
            if row.get("before"):
                before.append(f"(?P<b_{code}>{'|'.join(row['before'])})")
                before_plain.extend(row["before"])
            if row.get("after"):
                after.append(f"(?P<a_{code}>{'|'.join(row['after'])})")

        def by_length(ws: list[str]) -> str:
            return "|".join(sorted(ws, key=len, reverse=True))

        words = by_length(scale_words)
        words_or_symbol = by_length(scale_words + scale_symbol)
        prefix = re.compile(
            rf"(?<![\w$€£¥])(?:{'|'.join(before)})\s?(?P<num>{_NUM})"
            rf"(?:{_RANGE_SEP}(?:{'|'.join(before_plain)})?\s?(?:{_NUM}))?"
            rf"(?:\s?(?P<scale>{words_or_symbol})(?:(?<=\.)|{_WORD_END}))?",
            re.I,
        )
        suffix = re.compile(
            rf"(?<![.,])(?<![^\W\u3400-\u9fff])(?P<num>{_NUM})(?:{_RANGE_SEP}(?:{_NUM}))?"
            rf"(?:\s?(?P<scale>{words})(?:(?<=\.)|{_WORD_END}))?\s?(?:{'|'.join(after)}){_WORD_END}",
            re.I,
        )
        return cls(currencies, scales, prefix, suffix)

    def usd(self, value: float, currency: str) -> float:
        c = self._currencies.get(currency)
        return value * c.usd if c else 0.0

    def _scale(self, word: str | None) -> float:
        if not word:
            return 1.0
        for rx, mult in self._scale_res:
            if rx.fullmatch(word):
                return mult
        return 1.0

    def find(self, text: str, field: str, *, original: str | None = None) -> list[Amount]:
        """Amounts in ``text`` (the cleaned field); spans and texts refer to ``original``."""
        source = original if original is not None else text
        found: list[tuple[int, int, float, str]] = []
        taken: list[tuple[int, int]] = []
        for rx, tag in ((self._prefix, "b_"), (self._suffix, "a_")):
            for m in rx.finditer(text):
                start, end = m.span()
                if any(start < e and s < end for s, e in taken):
                    continue
                code = next((k[2:] for k, v in m.groupdict().items() if v and k.startswith(tag)), None)
                number = _number(m.group("num"))
                if code is None or number is None or number == 0:
                    continue
                if code == "CNY" and m.group(f"{tag}CNY") in ("¥", "￥"):
                    code = "JPY" if _JAPAN_RE.search(text) and not _CHINA_RE.search(text) else "CNY"
                value = number * self._scale(m.group("scale"))
                end = m.end()
                # drop the trailing space the range/scale groups may leave
                while end > start and source[end - 1].isspace():
                    end -= 1
                taken.append((start, end))
                found.append((start, end, value, code))
        found.sort()
        found = _first_of_ranges(found, text)
        return [
            Amount(value=v, currency=c, text=source[s:e], field=field, start=s, end=e)  # type: ignore[arg-type]
            for s, e, v, c in found
        ]


_RANGE_GAP_RE = re.compile(r"\s*(?:[-–—]|to|до|and|и|or|или)\s*", re.I)


def _first_of_ranges(found: list[tuple[int, int, float, str]], text: str) -> list[tuple[int, int, float, str]]:
    """ "$3.5 billion to $4 billion" is one stated figure: keep the first of the two."""
    out: list[tuple[int, int, float, str]] = []
    for entry in found:
        if out:
            prev = out[-1]
            if prev[3] == entry[3] and _RANGE_GAP_RE.fullmatch(text[prev[1] : entry[0]]):
                continue
        out.append(entry)
    return out
