"""oreradar: supply-chain signals about critical minerals and Central Asia, from the news.

The core shared by every stage: records (``oreradar.records``), settings
(``oreradar.settings``), errors (``oreradar.errors``), metrics and the CLI.
"""

__version__ = "0.1.0"
