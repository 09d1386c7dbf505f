from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

from oreradar.settings import SEEDS_DIR
from producers.replay import read_paths, read_text_article


def test_seed_article_title_body_and_date() -> None:
    item = read_text_article(SEEDS_DIR / "000_dd2d12cf7e77ac73.txt")
    assert item.title.startswith("Подписание соглашений о поставках редкоземельных металлов")
    assert not item.title.startswith("date")
    assert item.published == datetime(2025, 11, 7, tzinfo=timezone.utc)
    assert item.body.startswith("Ограничения Китая") and "Борьба за редкоземельные металлы" in item.body


def test_jsonl_bad_lines_are_reported_with_their_place_and_reading_goes_on(tmp_path: Path) -> None:
    path = tmp_path / "items.jsonl"
    path.write_text(
        "\n".join([
            json.dumps({"id": "a", "title": "one"}),
            "{not json",
            "",
            json.dumps({"title": "no id, derived"}),
            json.dumps({"id": "c", "title": ""}),
            json.dumps({"id": "d", "body": "labelled", "gold": {"relevant": False}}),
        ]),
        encoding="utf-8",
    )
    entries = list(read_paths([path]))
    assert [e.item.id if e.item else None for e in entries][0] == "a"
    errors = [(e.where, e.error) for e in entries if e.error]
    assert errors[0][0] == f"{path}:2" and "not valid JSON" in errors[0][1]
    assert errors[1][0] == f"{path}:5"
    items = [e.item for e in entries if e.item]
    assert len(items) == 3 and items[1].id and items[2].id == "d"


def test_folders_are_expanded_and_unknown_files_named(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.txt").write_text("Title\nBody", encoding="utf-8")
    (tmp_path / "b.txt").write_text("\n\n", encoding="utf-8")
    entries = list(read_paths([tmp_path, tmp_path / "missing.jsonl", tmp_path / "x.csv"]))
    assert [e.item.title for e in entries if e.item] == ["Title"]
    errors = " ".join(e.error or "" for e in entries)
    assert "empty article" in errors and "no such file" in errors
