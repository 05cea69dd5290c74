"""dskg — the Digital Skills Knowledge Graph.

Turns good-practice pages published by national digital-skills coalitions into a
validated, dereferenceable knowledge graph.
"""
from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("dskg")
except PackageNotFoundError:  # running from a checkout that was never installed
    __version__ = "0.0.0+unknown"
