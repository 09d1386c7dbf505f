"""The compiled classifier (setup.py, Cython) against the plain-Python one.

Where a module takes a different path once compiled (a loop over the characters in
place of a regex), both paths must give the same answer: these tests run both paths,
compiled or not, on the corpus, on the bench articles and on awkward strings.
"""

from __future__ import annotations

import os
import random
import shutil
import sysconfig
import unicodedata
from pathlib import Path

import pytest

from processors.classifier import amounts, compiled, text
from processors.classifier.matcher import Hit, Term
from oreradar.corpus import load_labelled

ROOT = Path(__file__).resolve().parents[3]

AWKWARD = [
    "",
    "Samruk-Kazyna 稀土 China's O'zbekiston Oʻzbekiston x' 'y a''b z’s",
    "稀土abc稀 約400億円 約４００ ٣٤ ²3 ½4 _3 a4 ,5 .5",
    "1.5 5,000,000 12 345,6 млрд 10-20 $3.5bn–$4bn €1,2 млрд",
    "a.\nb. c.\" d.» e! f? g;h; i… 。！end.)",
    "x.",
    "\n\n.\n",
    "tab\there\x00nul\x1fus\x7fdel\x85nel\u200bzw\u202ebidi\ufeffbom",
    "Ёлка ёж ӘҒҚ ўзбек Ўзбекистон",
]


@pytest.fixture(scope="module")
def texts() -> list[str]:
    found = list(AWKWARD)
    for item in load_labelled():
        found += [item.title, item.summary or "", item.body or ""]
    found.append((ROOT / "seeds" / "000_dd2d12cf7e77ac73.txt").read_text(encoding="utf-8"))
    return found


def test_tokenize_loop_and_regex_agree(texts: list[str]) -> None:
    for t in texts:
        assert text._tokenize_chars(t) == text._tokenize_regex(t), t[:60]


def test_tokenize_loop_and_regex_agree_on_every_code_point() -> None:
    # each character alone, inside a word, and after an apostrophe: the loop answers
    # "is it a word character" without the Unicode tables for ASCII and Cyrillic. The one
    # known difference: code points of HAN_RANGES that Unicode leaves unassigned are no
    # word characters for the loop, a token for the regex (as before the fast path).
    differ = [
        hex(cp) for cp in range(0x110000)
        if unicodedata.category(chr(cp)) != "Cn" or not text._HAN_RE.match(chr(cp))
        if any(text._tokenize_chars(t) != text._tokenize_regex(t) for t in (chr(cp), f"a{chr(cp)}b", f"a'{chr(cp)}"))
    ]
    assert differ == []


def test_sentence_bounds_loop_and_regex_agree(texts: list[str]) -> None:
    for t in texts:
        assert text._sentence_bounds_chars(t) == [m.end() for m in text._SENTENCE_END_RE.finditer(t)], t[:60]


def test_control_test_matches_the_regex_on_every_code_point() -> None:
    differ = [
        hex(cp) for cp in range(0x110000)
        if text._has_control(chr(cp)) != bool(text._CONTROL_RE.search(chr(cp)))
    ]
    assert differ == []


def test_figure_loop_and_regex_agree(texts: list[str]) -> None:
    for t in texts:
        loop = [(m.span(), m.group()) for m in amounts._figures_chars(t)]
        regex = [(m.span(), m.group()) for m in amounts._FIGURE_RE.finditer(t)]
        assert loop == regex, t[:60]


def test_no_compiled_module_is_older_than_its_source() -> None:
    stale = [name for name, state in compiled.status().items() if state == "stale"]
    assert stale == [], f"rebuild with `python setup.py build_ext --inplace`: {stale}"


def test_status_reports_a_stale_extension(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "fast.py").write_text("x = 1\n")
    (tmp_path / "slow.py").write_text("x = 1\n")
    suffix = compiled._SUFFIXES[0]
    ext = tmp_path / f"fast{suffix}"
    ext.write_bytes(b"")
    (tmp_path / "old.py").write_text("x = 1\n")
    old = tmp_path / f"old{suffix}"
    old.write_bytes(b"")
    os.utime(old, (1_000_000, 1_000_000))  # built long before its source was edited
    monkeypatch.setattr(compiled, "HERE", tmp_path)
    assert compiled.status() == {"fast": "compiled", "old": "stale", "slow": "python"}
    assert compiled.warn_if_stale() == ["old"]


@pytest.mark.skipif(
    shutil.which("cc") is None
    or not Path(sysconfig.get_paths()["include"], "Python.h").exists(),
    reason="no C compiler or Python headers here: the classifier runs as plain Python",
)
def test_the_hot_modules_are_compiled_where_a_compiler_is() -> None:
    # scripts/setup.sh builds them; without this the classifier is a third slower
    state = compiled.status()
    assert {m: state[m] for m in ("text", "matcher", "amounts", "classifier")} == dict.fromkeys(
        ("text", "matcher", "amounts", "classifier"), "compiled"
    )
    assert text.COMPILED and amounts.COMPILED


def _random_hits(rng: random.Random, terms: list[Term], n: int, firsts: int, longest: int) -> list[Hit]:
    """``n`` hits of random terms on tokens ``[first, first + 1..longest)``, first < ``firsts``."""
    hits = []
    for _ in range(n):
        first = rng.randrange(firsts)
        last = first + rng.randrange(1, longest + 1)
        hits.append(Hit(rng.choice(terms), first, last, first * 5, last * 5))
    return hits


def test_sort_by_position_is_a_stable_sort_by_first_and_last() -> None:
    # matcher._sort_by_position skips the sort when the hits are in order already (the
    # check is a typed loop once compiled): the result must be the stable sort's, ties
    # on identical spans keeping their order, in order or not
    from processors.classifier.matcher import _POSITION, _sort_by_position

    rng = random.Random(13)
    terms = [Term("cue", f"t{i}") for i in range(4)]
    for n in (0, 1, 2, 3, 8, 40):
        for _ in range(50):
            hits = _random_hits(rng, terms, n, 6, 2)
            if rng.random() < 0.5:
                hits.sort(key=_POSITION)  # most lists come in order
            expected = sorted(hits, key=_POSITION)
            _sort_by_position(hits)
            assert [(h.term, h.first, h.last) for h in hits] == [(h.term, h.first, h.last) for h in expected]
            assert all(a is b for a, b in zip(hits, expected))


def test_insertion_sort_gives_the_stable_sort_or_a_permutation_list_sort_can_finish() -> None:
    # matcher._insertion_sort sorts nearly ordered lists; past its budget of moves it stops,
    # and list.sort must then still give the stable sort of the original list
    from processors.classifier.matcher import _POSITION, _insertion_sort

    rng = random.Random(7)
    terms = [Term("cue", f"t{i}") for i in range(3)]
    for n in (2, 5, 40, 200):
        for budget in (0, 3, n, 10 * n * n):
            for _ in range(20):
                hits = _random_hits(rng, terms, n, n, 2)
                hits.sort(key=_POSITION)
                for _ in range(rng.randrange(4)):  # a few hits out of place, as the automaton leaves them
                    i, j = rng.randrange(n), rng.randrange(n)
                    hits[i], hits[j] = hits[j], hits[i]
                expected = sorted(hits, key=_POSITION)
                done = _insertion_sort(hits, budget)
                if not done:
                    hits.sort(key=_POSITION)
                assert all(a is b for a, b in zip(hits, expected))
                if budget == 10 * n * n:
                    assert done


def test_settle_keeps_the_longest_hits_first_as_the_sorted_reference_does() -> None:
    # matcher._settle orders a component of overlapping hits by an insertion sort and checks
    # overlaps in a typed loop: it must keep what "longest first, then by first token, stable"
    # keeps, in the same order
    from processors.classifier.matcher import _settle

    def reference(component: list[Hit]) -> list[Hit]:
        kept: list[Hit] = []
        spans: list[tuple[int, int]] = []
        for h in sorted(component, key=lambda h: (h.first - h.last, h.first)):
            if all(h.last <= a or b <= h.first or (a == h.first and b == h.last) for a, b in spans):
                spans.append((h.first, h.last))
                kept.append(h)
        return kept

    rng = random.Random(11)
    terms = [Term("cue", f"t{i}") for i in range(3)]
    for n in (1, 2, 3, 5, 9):
        for _ in range(300):
            component = _random_hits(rng, terms, n, 6, 3)
            kept: list[Hit] = []
            _settle(component, kept)
            expected = reference(component)
            assert len(kept) == len(expected) and all(a is b for a, b in zip(kept, expected))
