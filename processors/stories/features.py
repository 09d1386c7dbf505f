"""What the stories stage reads from one report: entities, money, lemmas, a MinHash.

    >>> report = Report.from_signal(signal, received=now)          # doctest: +SKIP
    >>> report.terms, report.amounts                               # doctest: +SKIP

Numbers, dates and years never become terms (they join unrelated reports); money
figures count only as (value, currency) amounts the classifier extracted.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from datasketch import MinHash

from oreradar.records import SEVERITIES, Signal

__all__ = ["MINHASH_SCHEME", "new_minhash", "Report", "Lemmatize", "default_lemmatize", "text_terms", "shingles", "minhash_of"]

Lemmatize = Callable[[list[str]], list[str]]

_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)  # letters only: no digits, so no years or dates
_HAN = re.compile(r"[\u4e00-\u9fff]+")
_lemmatizer: Any = None
# datasketch 2 names its permutation scheme; stored signatures are only comparable within one.
MINHASH_SCHEME = "affine32"


def default_lemmatize(words: list[str]) -> list[str]:
    """The classifier's own lemmatiser (pymorphy3 for Russian, a light stemmer for English).

    The process-wide classifier's instance, so the worker's two stages share one warm
    cache of word forms (a cold pymorphy3 lookup costs a hundred times a cached one).
    """
    global _lemmatizer
    if _lemmatizer is None:
        from processors.classifier import Classifier

        _lemmatizer = Classifier.default().lemmatizer
    return _lemmatizer.lemmas(words)  # type: ignore[no-any-return]


def _words(text: str) -> list[str]:
    out: list[str] = []
    for match in _WORD.finditer(text):
        word = match.group(0)
        if _HAN.search(word):
            # Chinese has no spaces: overlapping character pairs stand in for words.
            out.extend(word[i : i + 2] for i in range(max(1, len(word) - 1)))
        else:
            out.append(word.lower())
    return out


def text_terms(text: str, lemmatize: Lemmatize, stopwords: frozenset[str]) -> frozenset[str]:
    """Content lemmas of ``text``: three letters or more (Han pairs excepted), stopwords out."""
    words = [w for w in _words(text) if len(w) >= 3 or _HAN.match(w)]
    return frozenset(t for t in lemmatize(words) if t not in stopwords and (len(t) >= 3 or _HAN.match(t)))


def shingles(text: str, size: int = 3) -> set[bytes]:
    """Word ``size``-grams of the lower-cased text (the surface words: copies keep them)."""
    words = [m.group(0).lower() for m in re.finditer(r"\w+", text)]
    if len(words) < size:
        return {" ".join(words).encode()} if words else set()
    return {" ".join(words[i : i + size]).encode() for i in range(len(words) - size + 1)}


_PERMUTATIONS: dict[int, Any] = {}


def _crc32(data: bytes) -> int:
    # A shingle's 32-bit hash: CRC-32 is stable across processes and versions (stored
    # signatures stay comparable) and several times cheaper than datasketch's SHA-1.
    return zlib.crc32(data)


def new_minhash(num_perm: int, hashvalues: Any = None) -> MinHash:
    """A MinHash with the stage's fixed permutations, computed once per size (they cost more than hashing)."""
    if num_perm not in _PERMUTATIONS:
        _PERMUTATIONS[num_perm] = MinHash(num_perm=num_perm, seed=1, scheme=MINHASH_SCHEME).permutations
    return MinHash(num_perm=num_perm, seed=1, scheme=MINHASH_SCHEME, hashvalues=hashvalues,
                   permutations=_PERMUTATIONS[num_perm], hashfunc=_crc32)


def minhash_of(text: str, num_perm: int) -> MinHash:
    mh = new_minhash(num_perm)
    mh.update_batch(list(shingles(text)))
    return mh


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


@dataclass(frozen=True)
class Report:
    """One relevant report as the stories stage sees it (built from its Signal)."""

    id: str
    source: str
    url: str | None
    lang: str
    title: str
    time: datetime
    severity: str
    signal_types: frozenset[str]
    countries: frozenset[str]
    commodities: frozenset[str]
    organizations: frozenset[str]
    amounts: tuple[tuple[float, str], ...]
    terms: frozenset[str]
    minhash: tuple[int, ...]

    @classmethod
    def from_signal(
        cls,
        signal: Signal,
        *,
        received: datetime,
        lemmatize: Lemmatize = default_lemmatize,
        stopwords: frozenset[str] = frozenset(),
        num_perm: int = 64,
    ) -> Report:
        """``received`` stands in for the time when the signal carries no published date."""
        text = " ".join(p for p in (signal.title, signal.lead or "") if p)
        published = signal.published
        return cls(
            id=signal.id,
            source=signal.source or "",
            url=signal.url,
            lang=(signal.lang or "und").lower(),
            title=signal.title,
            time=_aware(published) if published else _aware(received),
            severity=signal.severity or "low",
            signal_types=frozenset(signal.signal_types),
            countries=frozenset(signal.countries),
            commodities=frozenset(signal.commodities),
            organizations=frozenset(signal.organizations),
            amounts=tuple(sorted({(a.value, a.currency) for a in signal.amounts})),
            terms=text_terms(text, lemmatize, stopwords),
            minhash=tuple(int(h) for h in minhash_of(text, num_perm).hashvalues),
        )

    @property
    def severity_rank(self) -> int:
        return SEVERITIES.index(self.severity) if self.severity in SEVERITIES else 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "source": self.source, "url": self.url, "lang": self.lang, "title": self.title,
            "time": self.time.isoformat(), "severity": self.severity,
            "signal_types": sorted(self.signal_types), "countries": sorted(self.countries),
            "commodities": sorted(self.commodities), "organizations": sorted(self.organizations),
            "amounts": [[v, c] for v, c in self.amounts], "terms": sorted(self.terms), "minhash": list(self.minhash),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Report:
        """Raises KeyError/TypeError/ValueError on an entry that is not a report (the caller counts it)."""
        return cls(
            id=str(data["id"]), source=str(data["source"]), url=data.get("url"), lang=str(data["lang"]),
            title=str(data.get("title", "")), time=_aware(datetime.fromisoformat(data["time"])),
            severity=str(data["severity"]),
            signal_types=frozenset(data["signal_types"]), countries=frozenset(data["countries"]),
            commodities=frozenset(data["commodities"]), organizations=frozenset(data["organizations"]),
            amounts=tuple((float(v), str(c)) for v, c in data["amounts"]),
            terms=frozenset(data["terms"]), minhash=tuple(int(h) for h in data["minhash"]),
        )


def jaccard(a: Iterable[int], b: Iterable[int]) -> float:
    """MinHash Jaccard estimate: the share of permutations whose minima agree."""
    pairs = list(zip(a, b))
    return sum(1 for x, y in pairs if x == y) / len(pairs) if pairs else 0.0
