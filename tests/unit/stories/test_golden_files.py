"""The shipped golden files, run in-process (the worker's own step, no broker), and the comparison itself.

The same files run through the real broker in tests/integration/test_stories_golden.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from oreradar.settings import SEEDS_DIR
from processors.classifier import Classifier
from processors.stories.golden import GoldenFile, compare_golden, simulate_golden

GOLDEN = sorted((SEEDS_DIR / "golden").glob("*.yaml"))


@pytest.fixture(scope="module")
def classify():  # type: ignore[no-untyped-def]
    return Classifier.default().classify


def test_the_golden_set_is_what_the_issue_asks_for() -> None:
    files = [GoldenFile.load(p) for p in GOLDEN]
    stories = [s for f in files for s in f.stories]
    assert len(stories) >= 13 and any(f.trends for f in files)
    assert any("000_dd2d12cf7e77ac73" in (p.read_text()) for p in GOLDEN), "the seed article is replayed"
    langs = {item.lang for f in files for item in f.items}
    assert {"en", "ru"} <= langs
    assert any(s.copies for s in stories), "copies"
    assert any(len(s.alerts) >= 2 for s in stories), "revisions"


@pytest.mark.parametrize("path", GOLDEN, ids=[p.stem for p in GOLDEN])
def test_golden_file_in_process(path: Path, classify) -> None:  # type: ignore[no-untyped-def]
    golden = GoldenFile.load(path)
    alerts, stories = simulate_golden(golden, classify)
    assert compare_golden(golden, alerts, stories) == []


def test_every_kind_of_difference_is_reported(classify, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    text = (SEEDS_DIR / "golden" / "deals_lookalikes_trend.yaml").read_text(encoding="utf-8")
    broken = (text.replace("items: [dl-edf-bloomberg, dl-edf-tengri]", "items: [dl-edf-bloomberg]")
                  .replace('amounts: ["300000000 USD"]', 'amounts: ["310000000 USD"]')
                  .replace("signal_type: trade_deal, stories", "signal_type: investment, stories"))
    path = tmp_path / "broken.yaml"
    path.write_text(broken, encoding="utf-8")
    golden = GoldenFile.load(path)
    diffs = compare_golden(golden, *simulate_golden(golden, classify))
    joined = "\n".join(diffs)
    assert "item dl-edf-tengri joined it unexpectedly" in joined
    assert "amounts ['300000000 USD'], expected ['310000000 USD']" in joined
    assert "trend CN/uranium/investment: expected, not raised" in joined
    assert "unexpected trend CN/uranium/trade_deal" in joined
