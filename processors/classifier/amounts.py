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

import cython

from processors.classifier.datafile import parse_yaml

from oreradar.errors import ConfigError
from oreradar.records import Amount

from processors.classifier._construct import constructor

__all__ = ["AmountFinder", "DEFAULT_DATA", "format_value"]

DEFAULT_DATA = Path(__file__).parent / "data"

_NUM = (
    r"\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?:[.,]\d+)?(?!\d)"  # 11 104,5
    r"|\d{1,3}(?:,\d{3})+(?:\.\d+)?(?![\d,])"  # 12,000.5
    r"|\d+(?:[.,]\d+)?"
)
_RANGE_SEP = r"(?:\s?[-–—]\s?|\s+(?:to|до|and|и|or|или)\s+)"
# A currency word must not run on into a longer word (сом/сомони); Han may follow.
_WORD_END = r"(?![^\W\u3400-\u9fff])"
# Counted over the whole field where "¥" appears. The lookahead lists the first letters of
# the words (case-insensitive, as the words are): at a word start that none of them opens,
# the engine stops there instead of trying every word in turn, which halves the scan.
_JAPAN_RE = re.compile(r"\b(?=[jtyийтя])(?:Japan\w*|yen|Tokyo|Toyota|Япон\w*|иен\w*|йен\w*|Токио)|日本|日元", re.I)
_CHINA_RE = re.compile(r"\b(?=[cbyrкпю])(?:China|Chinese|Beijing|yuan|renminbi|RMB|Кита\w*|Пекин\w*|юан\w*)|中国|人民币", re.I)


@dataclass(frozen=True)
class _Currency:
    code: str
    usd: float


def format_value(value: float) -> str:
    """ "12400000000" for whole numbers, else the shortest float text."""
    return str(int(value)) if value == int(value) else repr(value)


_GROUP_SPACE_RE = re.compile(r"[ \u00a0\u202f]")
_COMMA_THOUSANDS_RE = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?")


def _number(text: str) -> float | None:
    s = _GROUP_SPACE_RE.sub("", text) if not text.isdigit() else text
    if _COMMA_THOUSANDS_RE.fullmatch(s):
        s = s.replace(",", "")
    else:
        s = s.replace(",", ".")
    try:
        return float(s)
    except ValueError:
        return None


class AmountFinder:
    """Finds money in a field; see the module doc.

    Figures are found first by one cheap regex; each figure is then tried, anchored,
    against the currency forms written before it and after it, so the large
    alternations run a few dozen times per article rather than at every character.
    """

    def __init__(self, currencies: list[_Currency], scales: list[tuple[re.Pattern[str], float]],
                 before: re.Pattern[str], after_before: re.Pattern[str], after: re.Pattern[str]) -> None:
        self._currencies = {c.code: c for c in currencies}
        self._scales = scales
        self._scale_of: dict[str, float] = {}  # scale word as written -> multiplier
        self._before = before  # currency symbol ending right before a figure
        self._after_before = after_before  # range and scale after a figure that had a symbol
        self._after = after  # range, scale and currency word after a figure
        # Cheap gate before the anchored "after" regex: the first one or two characters
        # (lower-cased) that any range word, scale word or currency form can start with.
        self._starts1, self._starts2 = _literal_starts(after.pattern)

    @classmethod
    def load(cls, path: Path) -> AmountFinder:
        if not path.exists():
            raise ConfigError(f"currency table {path} is missing; restore it or pass data_dir=")
        data = parse_yaml(path.read_text(encoding="utf-8")) or {}
        scales: list[tuple[re.Pattern[str], float]] = []
        scale_words: list[str] = []
        scale_symbol: list[str] = []
        for mult, spec in (data.get("scales") or {}).items():
            for w in spec.get("words") or []:
                scales.append((re.compile(w, re.I), float(mult)))
                scale_words.append(w)
            for w in spec.get("symbol_only") or []:
                scales.append((re.compile(w, re.I), float(mult)))
                scale_symbol.append(w)
        currencies: list[_Currency] = []
        before: list[str] = []
        before_plain: list[str] = []
        after: list[str] = []
        after_forms: list[str] = []  # the same forms, ungrouped
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
                after_forms.extend(row["after"])
            if row.get("minor"):  # "3.69 cents" = 0.0369 USD
                after.append(f"(?P<m_{code}>{'|'.join(row['minor'])})")
                after_forms.extend(row["minor"])

        def by_length(ws: list[str]) -> str:
            return "|".join(sorted(ws, key=len, reverse=True))

        words = by_length(scale_words)
        words_or_symbol = by_length(scale_words + scale_symbol)
        try:
            before_re = re.compile(rf"(?<![\w$€£¥])(?:{'|'.join(before)})\s?$", re.I)
            after_before_re = re.compile(
                rf"(?:{_RANGE_SEP}(?:{'|'.join(before_plain)})?\s?(?:{_NUM}))?"
                rf"(?:[\s-]?(?P<scale>{words_or_symbol})(?:(?<=\.)|{_WORD_END}))?",
                re.I,
            )
            after_re = re.compile(
                rf"(?:{_RANGE_SEP}(?:{_NUM}))?"
                rf"(?:[\s-]?(?P<scale>{words})(?:(?<=\.)|{_WORD_END}))?\s?"
                rf"{_first_char_guard(after_forms)}(?:{'|'.join(after)}){_WORD_END}",
                re.I,
            )
        except re.error as exc:
            raise ConfigError(f"{path}: a currency or scale form is not a valid regular expression: {exc}") from exc
        return cls(currencies, scales, before_re, after_before_re, after_re)

    def usd(self, value: float, currency: str) -> float:
        c = self._currencies.get(currency)
        return value * c.usd if c else 0.0

    def _scale(self, word: str | None) -> float:
        if not word:
            return 1.0
        mult = self._scale_of.get(word)
        if mult is None:  # a few dozen spellings in all: remember each one
            mult = next((m for rx, m in self._scales if rx.fullmatch(word)), 1.0)
            if len(self._scale_of) < 10_000:
                self._scale_of[word] = mult
        return mult

    def find(self, text: str, field: str, *, original: str | None = None) -> list[Amount]:
        """Amounts in ``text`` (the cleaned field); spans and texts refer to ``original``."""
        source = original if original is not None else text
        found: list[tuple[int, int, float, str]] = []
        consumed = 0
        yen: bool | None = None  # "¥" is the yen here (the text is about Japan, not China)
        starts1, starts2 = self._starts1, self._starts2
        for m in _figures(text):
            s = m.start()
            if s < consumed:
                continue  # inside an amount already read (the second figure of its range)
            e = consumed = m.end()
            j = s - 1
            if j >= 0 and text[j] in " \u00a0":
                j -= 1
            hit = None
            if j >= 0 and (text[j] in _SYMBOL_ENDS or text[j].isupper()):
                hit = self._before.search(text, max(0, s - 8), s)
            if hit is None:
                k = e
                while k < len(text) and k < e + 2 and text[k] in " \u00a0-":
                    k += 1
                nxt = text[k : k + 2].lower()
                if not nxt or (nxt[:1] not in starts1 and nxt not in starts2 and not nxt[:1].isdigit()):
                    continue
            if hit is not None:
                tail = self._after_before.match(text, e)
                tag, start, stop = "b_", hit.start(), tail.end() if tail else e
                currency = hit
                scale = tail.group("scale") if tail else None
            else:
                tail = self._after.match(text, e)
                if tail is None:
                    continue
                tag, start, stop = "a_", s, tail.end()
                currency = tail
                scale = tail.group("scale")
            code = _currency_group(currency, tag)
            minor = 1.0
            if code is None and tag == "a_":
                code = _currency_group(currency, "m_")
                minor = 0.01
            number = _number(m.group())
            if code is None or number is None or number == 0:
                continue
            if code == "CNY" and currency.group(f"{tag}CNY") in ("¥", "￥"):
                if yen is None:  # slow scans of the whole text: once per field at most
                    japan = len(_JAPAN_RE.findall(text))
                    yen = japan > 0 and japan > len(_CHINA_RE.findall(text))  # no Japan: no need to count China
                code = "JPY" if yen else "CNY"
            while stop > start and source[stop - 1].isspace():
                stop -= 1
            consumed = stop
            found.append((start, stop, number * self._scale(scale) * minor, code))
        found = _first_of_ranges(found, text)
        return [
            _make_amount(value=v, currency=c, text=source[a:b], field=field, start=a, end=b)
            for a, b, v, c in found
        ]


def _currency_group(m: re.Match[str], tag: str) -> str | None:
    """The ISO code of the currency group (named ``<tag><code>``) that matched in ``m``."""
    # The currency alternation closes last in both patterns, so its group is lastgroup;
    # the scan over every group is only the fallback.
    name = m.lastgroup
    if name is not None and name.startswith(tag) and m.group(name):
        return name[2:]
    return next((k[2:] for k, v in m.groupdict().items() if v and k.startswith(tag)), None)


def _first_char_guard(forms: list[str]) -> str:
    """A lookahead for the characters the alternatives of ``forms`` can start with: the
    regex engine then turns "million tonnes" away at the "t" instead of trying every
    currency form there (most figures followed by a scale word are no money). Empty, so
    no guard, when some form does not start with a plain or escaped literal."""
    firsts: set[str] = set()
    for alternative in (a for form in forms for a in _top_level_alternatives(form)):
        if alternative[:1] == "\\" and len(alternative) > 1 and not alternative[1].isalnum():
            firsts.add(alternative[1])
        elif alternative and alternative[0] not in "\\()[]{}.^$*+?|":
            firsts.add(alternative[0])
        else:
            return ""
    return "(?=[" + "".join(re.escape(c) for c in sorted(firsts)) + "])" if firsts else ""


def _top_level_alternatives(pattern: str) -> list[str]:
    """``pattern`` split at the ``|`` that are outside groups and classes."""
    parts: list[str] = []
    depth, start, i, in_class = 0, 0, 0, False
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            i += 2
            continue
        if in_class:
            in_class = c != "]"
        elif c == "[":
            in_class = True
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == "|" and depth == 0:
            parts.append(pattern[start:i])
            start = i + 1
        i += 1
    parts.append(pattern[start:])
    return parts


_make_amount = constructor(Amount, value=1.0, currency="USD", text="$1", field="body", start=0, end=2)

_SYMBOL_ENDS = frozenset("$€£¥￥₽₸₹₩₮.")


def _literal_starts(pattern: str) -> tuple[frozenset[str], frozenset[str]]:
    """First characters of every alternative of ``pattern`` that starts with a literal.

    Returns (single characters that may start a match on their own, two-character
    prefixes). Over-inclusive by design: it only spares the regex the obvious misses.
    """
    one: set[str] = {"-", "–", "—", "～", "~"}
    two: set[str] = set()
    for alt in re.split(r"\||\(\?:|\(\?P<\w+>|\(", pattern):
        lit = ""
        i = 0
        while i < len(alt) and len(lit) < 2:
            ch = alt[i]
            if ch == "\\" and i + 1 < len(alt):
                nxt = alt[i + 1]
                if nxt in "$.-+()[]":
                    lit += nxt
                    i += 2
                    continue
                break
            if ch in "()[]?*+.{}|^":
                break
            lit += ch
            i += 1
        lit = lit.lower()
        if len(lit) == 1 or (lit and not lit[0].isalpha()) or (lit and "\u3400" <= lit[0] <= "\u9fff"):
            one.add(lit[0])
        elif len(lit) == 2:
            two.add(lit)
    # an alternative we could not read (starts with a class or group): accept anything
    return frozenset(one), frozenset(two)


# Where a figure starts: a digit not preceded by a digit, a decimal mark or a letter
# (Han excepted: "约400亿美元"). The test sits behind the digit so the pattern opens with a
# character class, which the regex engine scans for in C; written as
# ``(?=\d)(?<![.,\d])...`` it would try the lookarounds at every character.
_FIGURE_START_RE = re.compile(r"\d(?<![.,\d]\d)(?<![^\W\u3400-\u9fff]\d)")
# A figure start and the figure read from it (_NUM) in one match, one regex call per
# figure instead of two: _NUM's alternatives without their first digit, the one
# _FIGURE_START_RE opens with. finditer resumes after each figure, so the figure starts
# inside it ("104" in "11 104") are never tried.
_NUM_TAIL = (
    r"\d{0,2}(?:[ \u00a0\u202f]\d{3})+(?:[.,]\d+)?(?!\d)"
    r"|\d{0,2}(?:,\d{3})+(?:\.\d+)?(?![\d,])"
    r"|\d*(?:[.,]\d+)?"
)
_FIGURE_RE = re.compile(rf"{_FIGURE_START_RE.pattern}(?:{_NUM_TAIL})")
_FIGURE_AT_RE = re.compile(rf"\d(?:{_NUM_TAIL})")  # a figure at a start found by _figures_chars
# True when this module runs compiled by Cython (see setup.py); the file is then the extension.
COMPILED = not __file__.endswith(".py")


def _figures_chars(text: str) -> list[re.Match[str]]:
    """What ``_FIGURE_RE.finditer(text)`` finds (a test holds them equal), with the
    figure starts found by a loop over the characters: in compiled code that is a few
    nanoseconds a character, where the regex engine spends tens testing each one for a
    digit and its lookbehinds. A start is a decimal digit not preceded by a decimal
    mark or a word character other than Han (``\\w`` is ``isalnum()`` or ``_``). One pass
    over the string (compiled, iteration reads its storage directly), with the previous
    character at hand."""
    found: list[re.Match[str]] = []
    resume = 0  # the end of the last figure: its digits are no starts
    p = " "  # the previous character
    i = 0
    for c in text:
        o = ord(c)
        # ASCII but 0-9, and Cyrillic, hold no decimal digit: no Unicode table needed
        if i >= resume and not ((o < 0x80 and not 0x30 <= o <= 0x39) or 0x400 <= o <= 0x52F) and c.isdecimal():
            if not (p == "." or p == "," or p == "_" or (p.isalnum() and not 0x3400 <= ord(p) <= 0x9FFF)):
                m = _FIGURE_AT_RE.match(text, i)
                if m is not None:  # always: the tail may be empty
                    found.append(m)
                    resume = m.end()
        p = c
        i += 1
    return found


_figures = _figures_chars if COMPILED else _FIGURE_RE.finditer
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
