from __future__ import annotations

import json
import logging

import pytest

from oreradar.logs import configure_logging


def test_json_lines_carry_the_extra_fields(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("INFO", "json")
    logging.getLogger("oreradar.test").warning("dead-lettered %s", "x1", extra={"item_id": "x1", "stage": "classify"})
    line = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    assert line["msg"] == "dead-lettered x1" and line["level"] == "warning"
    assert line["item_id"] == "x1" and line["stage"] == "classify" and line["logger"] == "oreradar.test"


def test_chatty_libraries_keep_only_warnings(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("DEBUG", "text")
    logging.getLogger("kafka.conn").info("connecting")
    logging.getLogger("oreradar.x").debug("ours")
    err = capsys.readouterr().err
    assert "connecting" not in err and "ours" in err
