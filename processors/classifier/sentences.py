"""Sentence bounds of a field, without the full stops that end no sentence.

:func:`text.sentence_bounds` ends a sentence at every full stop followed by a space. In
news that splits "The U.S. | Commerce Department", "ASTANA, Dec. | 19 (Reuters)",
"$40 тыс. | за тонну" and a wire dateline ("ТАШКЕНТ, 7 октября. | /ТАСС/. | Президенты
..."). The rules weigh the first sentences of the body most (the lead), so each false
end pushes the news a sentence further from it. :class:`SentenceRules` drops them:

* a full stop after a single capital letter (initials, "U.S.", "Н. Назарбаев");
* a full stop followed by a lower-case letter ("тыс. за тонну", "Corp. said");
* a full stop after an abbreviation of ``data/sentences.yaml`` that stands before a
  number ("Dec. 19", "No. 3") or a name ("Mr. Tokayev", "St. Petersburg");
* every full stop inside a wire dateline that opens the body (patterns in the same file):
  the dateline is one sentence, however many full stops it holds ("ТАШКЕНТ, 7 октября.
  /ТАСС/.", "Москва. 18 февраля. INTERFAX.RU -"), so the first sentence of the news stays in
  the lead. (Joining it to that sentence instead brought the second sentence into the lead
  as well, and with it background the corpus labels leave out.)

A line break still ends a sentence whatever stands before it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path


from oreradar.errors import ConfigError
from processors.classifier.datafile import read_yaml
from processors.classifier.text import sentence_bounds

__all__ = ["SentenceRules"]


@dataclass(frozen=True)
class SentenceRules:
    before_number: frozenset[str] = frozenset()
    before_name: frozenset[str] = frozenset()
    datelines: tuple[re.Pattern[str], ...] = ()
    longest: int = 0  # letters of the longest abbreviation: a longer word before a stop ends a sentence

    @classmethod
    def load(cls, path: Path) -> SentenceRules:
        if not path.exists():
            raise ConfigError(f"sentence rules {path} are missing; restore the file or pass data_dir=")
        data = read_yaml(path) or {}
        abbreviations = data.get("abbreviations") or {}
        patterns = []
        for source in data.get("datelines") or []:
            try:
                # at the start of the text, after any spaces (the source may end in a comment)
                patterns.append(re.compile(r"\s*(?:" + str(source) + "\n)", re.VERBOSE))
            except re.error as exc:
                raise ConfigError(f"{path}: dateline pattern {str(source)[:60]!r} is not a valid regex: {exc}") from exc
        before_number = frozenset(str(a).lower() for a in abbreviations.get("before_number") or ())
        before_name = frozenset(str(a).lower() for a in abbreviations.get("before_name") or ())
        return cls(
            before_number=before_number,
            before_name=before_name,
            datelines=tuple(patterns),
            longest=max(map(len, before_number | before_name), default=0),
        )

    def bounds(self, text: str, dateline: bool = False) -> list[int]:
        """Offsets where the sentences of ``text`` end (as :func:`text.sentence_bounds`);
        ``dateline``: the text is a body, which may open with a wire dateline."""
        bounds = sentence_bounds(text)
        if not bounds:
            return bounds
        skip_to = self.dateline_end(text) if dateline else 0
        if skip_to:  # the dateline is one sentence, the first of the lead
            bounds = [skip_to] + [b for b in bounds if b > skip_to]
        if "." not in text:
            return bounds
        return _true_ends(text, bounds, self.before_number, self.before_name, self.longest)

    def dateline_end(self, text: str) -> int:
        """Where a wire dateline opening ``text`` ends (0: none)."""
        for pattern in self.datelines:
            m = pattern.match(text)
            if m is not None:
                return m.end()
        return 0


def _true_ends(
    text: str, bounds: list[int], before_number: frozenset[str], before_name: frozenset[str], longest: int
) -> list[int]:
    """``bounds`` without the full stops that end no sentence (see the module's docstring).
    One loop with C-typed locals once compiled (``sentences.pxd``): it runs on every field."""
    out: list[int] = []
    n = len(text)
    for bound in bounds:
        if text[bound - 1] != "." or _ends(text, bound, n, before_number, before_name, longest):
            out.append(bound)
    return out


def _ends(
    text: str, bound: int, n: int, before_number: frozenset[str], before_name: frozenset[str], longest: int
) -> bool:
    """Whether the full stop before ``bound`` ends a sentence."""
    j = bound
    while j < n and text[j] in " \t\"»”')]":  # what may follow the stop on the same line
        j += 1
    if j == n or text[j] == "\n" or text[j] == "\r":
        return True  # the end of the field or of a line
    following = text[j]
    if following.islower():
        return False
    i = bound - 1  # the full stop; the word before it:
    k = i
    while k > 0 and (text[k - 1].isalnum() or text[k - 1] == "-"):
        k -= 1
        if i - k > longest and i - k > 1:  # longer than any abbreviation listed (and no initial): an end
            return True
    if k == i:
        return True
    if i - k == 1 and text[k].isupper():  # initials, "U.S." ("5500 мА·ч. Это" ends one)
        return False
    word = text[k:i].lower()
    if word in before_name:
        return False
    return not (following.isdigit() and word in before_number)
