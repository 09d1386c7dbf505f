"""Evaluation compares organisations by identity: a gold name written as any alias of a
gazetteer organisation counts as that organisation."""

from __future__ import annotations

from oreradar.records import LabelledItem
from processors.classifier import Classifier
from processors.classifier.evaluate import canonical_organization, evaluate


def test_an_alias_resolves_to_the_canonical_name(clf: Classifier) -> None:
    kazatomprom = canonical_organization(clf, "Kazatomprom")
    assert canonical_organization(clf, "Казатомпром") == kazatomprom
    assert canonical_organization(clf, "NAC Kazatomprom") in {kazatomprom, "NAC Kazatomprom"}


def test_unknown_or_partial_names_stay_as_written(clf: Classifier) -> None:
    assert canonical_organization(clf, "Brightfold Analytics") == "Brightfold Analytics"
    # an alias inside a longer name is not the same organisation
    assert canonical_organization(clf, "Kazatomprom Pension Savings Club") == "Kazatomprom Pension Savings Club"


def test_gold_written_in_another_language_scores_as_a_hit(clf: Classifier) -> None:
    item = LabelledItem.from_dict({
        "title": "Kazatomprom raises uranium output guidance for 2027",
        "gold": {"relevant": True, "organizations": ["Казатомпром"]},
    })
    orgs = evaluate(clf, [item]).organizations
    assert (orgs.micro.tp, orgs.micro.fn, orgs.micro.fp) == (1, 0, 0)
