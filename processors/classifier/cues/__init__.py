"""Signal-type cues: the lexicon read from ``data/cues.yaml`` and the rules that score it."""

from processors.classifier.cues.lexicon import CueLexicon, PairRule
from processors.classifier.cues.rules import TypeScore, score_types

__all__ = ["CueLexicon", "PairRule", "TypeScore", "score_types"]
