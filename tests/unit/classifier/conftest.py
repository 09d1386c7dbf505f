from __future__ import annotations

import pytest

from processors.classifier import Classifier


@pytest.fixture(scope="session")
def clf() -> Classifier:
    return Classifier.default()
