"""Visitors' SPARQL: the protocol at ``/sparql`` and everything behind it.

``protocol`` reads requests and writes answers (a WSGI layer before Flask); ``guard``
checks a query before any engine sees it; ``admission`` decides which long-running
queries may go on; ``answers`` keeps answers while a build is served; ``runner``
evaluates and serialises (``results`` writes result sets); on the embedded store ``pool``
runs each query in an ``evaluator`` process it can kill, and ``wire`` is the message
between them; on an external store ``external`` sends it there.
"""
