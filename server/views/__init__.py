"""The site's views, one blueprint per area; a URL family (a page with its JSON, CSV and
Turtle forms) lives in one module.

=============  ==========================================================
``home``       ``/``
``browse``     ``/browse/practice`` (facets; ``.json``, ``.csv``, ``.ttl``), ``/browse/<kind>``
``search``     ``/search``, ``/search.json``
``resources``  ``/id/…``, ``/doc/…``, ``/def/…``, ``/set/…``: dereferencing
``metadata``   DCAT-AP catalogue, VoID, LDES, ``/set/dumps/…``, sitemap, robots.txt
``graph``      ``/graph``: a resource's neighbourhood as JSON for the graph view
``map``        ``/map``
``queries``    ``/queries``: the example queries
``reconcile``  ``/reconcile``: the reconciliation service (W3C Reconciliation API 0.2)
``sparql``     ``/sparql`` for browsers (the protocol is :mod:`server.sparql.protocol`)
``health``     ``/health``, ``/metrics``
``account``    ``/account``: editors sign in, sign out and set their password
``submit``     ``/submit``, ``/submissions``: practices submitted and reviewed on the site
=============  ==========================================================
"""
from __future__ import annotations

from flask import Blueprint

from server.views import (
    account,
    browse,
    graph,
    health,
    home,
    map,
    metadata,
    queries,
    reconcile,
    resources,
    search,
    sparql,
    submit,
)

VIEWS: tuple[Blueprint, ...] = tuple(module.blueprint for module in (
    sparql, resources, home, metadata, browse, graph, search, map, queries, reconcile,
    health, account, submit))
