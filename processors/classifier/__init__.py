"""oreradar's classifier: a pure library, a NewsItem in, a Signal with evidence out.

    from processors.classifier import Classifier, detect_language
    clf = Classifier.load()            # or Classifier.load(data_dir=Path(...)) in tests
    signal = clf.classify(item)        # oreradar.records.Signal, evidence included
    Classifier.default()               # process-wide cached instance (lazy)

    from processors.classifier.evaluate import evaluate, EvalReport
    report = evaluate(clf, labelled_items)

Modules, in the order the work flows: ``text`` (cleaning, tokens, sentences),
``morphology`` (lemmas), ``gazetteer`` and ``cues.lexicon`` (data files -> terms),
``matcher`` (one Aho-Corasick pass over the lemma stream), ``amounts`` (money),
``cues.rules`` (signal types), ``relevance``, ``severity``, ``explain`` (evidence),
``classifier`` (the whole), ``evaluate`` (P/R/F1 against gold). Language
identification lives in :mod:`oreradar.language` (the feed normaliser uses it too);
``detect_language`` is re-exported here.
"""

from processors.classifier.classifier import DEFAULT_DATA_DIR, Classifier
from oreradar.language import detect_language

__all__ = ["Classifier", "DEFAULT_DATA_DIR", "detect_language"]
