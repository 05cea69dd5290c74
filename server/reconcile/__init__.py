"""The reconciliation service (W3C Entity Reconciliation API 0.2, the version OpenRefine
speaks), apart from its routes (:mod:`server.views.reconcile`): what a request may hold
(:mod:`.protocol`), how candidates are found and scored (:mod:`.matching`), and the
values a data extension fetches (:mod:`.extend`).
"""
