"""The subscriptions file: the issue's shape loads; every bad file names each problem with its line.

Each file under files/ carries its own expectations as ``# expect: LINE: TEXT`` comments.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sinks.routing.model import SubscriptionsError, load_subscriptions, parse_duration, parse_subscriptions

FILES = Path(__file__).parent / "files"
BAD = sorted(p for p in FILES.glob("*.yaml") if "# expect:" in p.read_text())


def test_the_issue_example_loads_as_written() -> None:
    subs = load_subscriptions(FILES / "issue_example.yaml")
    desk = subs.by_name("kz-desk")
    assert desk is not None
    assert desk.match.countries == ["KZ", "UZ"] and desk.match.min_severity == "medium"
    assert [c["type"] for c in desk.channels] == ["webhook", "email"]
    assert desk.channels[0]["secret_env"] == "KZ_DESK_HOOK_SECRET"
    assert desk.group is not None and (desk.group.wait, desk.group.interval, desk.group.max_per_hour) == (30, 600, 20)
    assert desk.channel_name(0) == "kz-desk/0:webhook"


@pytest.mark.parametrize("path", BAD, ids=[p.name for p in BAD])
def test_every_problem_is_named_with_its_line(path: Path) -> None:
    expected = re.findall(r"^# expect: (\d+): (.+)$", path.read_text(), re.M)
    with pytest.raises(SubscriptionsError) as caught:
        load_subscriptions(path)
    rendered = [p.render(str(path)) for p in caught.value.problems]
    assert len(caught.value.problems) == len(expected), rendered
    for line, text in expected:
        assert any(p.line == int(line) and text.strip() in p.render("") for p in caught.value.problems), (line, text, rendered)
    assert "nothing loaded" in str(caught.value)


def test_literal_secrets_never_appear_in_the_error() -> None:
    with pytest.raises(SubscriptionsError) as caught:
        load_subscriptions(FILES / "bad_secret_and_inhibit.yaml")
    assert "hunter2" not in str(caught.value)


def test_scalars_become_lists_and_codes_are_normalised() -> None:
    subs = parse_subscriptions("subscriptions:\n  - name: a\n    match: {countries: kz, commodities: Tungsten}\n"
                               "    channels: [{type: console}]\n")
    assert subs.subscriptions[0].match.countries == ["KZ"]
    assert subs.subscriptions[0].match.commodities == ["tungsten"]


@pytest.mark.parametrize("text,seconds", [("30s", 30), ("10m", 600), ("1.5h", 5400), ("2d", 172800), (45, 45), ("250ms", 0.25)])
def test_durations(text: object, seconds: float) -> None:
    assert parse_duration(text) == seconds


def test_an_empty_file_is_no_subscriptions() -> None:
    assert parse_subscriptions("").subscriptions == []
