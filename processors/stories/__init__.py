"""Stories: one event, one alert that grows as the news spreads. A pure library.

    from processors.stories import JoinRules, StoryBook, TrendBook, TrendRules
    book = StoryBook(JoinRules.load(), min_severity="low")
    decision = book.add(signal, received=record_time, now=wall_clock)
    decision.outcome        # new_story | revision | copy | no_change | duplicate
    decision.alert          # an Alert (a story revision) or None
    decision.join           # JoinEvidence: why it joined the story

Modules in the order the work flows: ``config`` (rules from ``data/joining.yaml``),
``features`` (a Signal -> Report: entities, money, lemmas, MinHash), ``match`` (one report
against another: copy, same event, or not), ``book`` (stories, revisions, lead times,
expiry, state as plain dicts), ``trends`` (hourly counts, Poisson spikes), ``golden``
(golden alert files), ``evaluate`` (pairwise P/R/F1 of story assignment).
"""

from processors.stories.book import OUTCOMES, Decision, LeadTime, Story, StoryBook
from processors.stories.config import JoinRules, TrendRules
from processors.stories.features import Report
from processors.stories.trends import TrendBook

__all__ = ["OUTCOMES", "Decision", "JoinRules", "LeadTime", "Report", "Story", "StoryBook", "TrendBook", "TrendRules"]
