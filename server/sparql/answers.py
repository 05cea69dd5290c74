"""Answers to visitors' queries, kept while the build is served.

A build's graph never changes while it is served, so the answer to a query (with the
same formats, dataset and row cap) stays right until the next build: each worker keeps
recent answers, least recently used first out, within ``answer_cache`` MiB. A popular
query (an example of the gallery, a dashboard's) then costs the store nothing after the
first time; a new build starts new workers, with an empty cache. Refused, failed and
stopped queries are never kept, and an answer larger than a sixteenth of the cache is
not kept either.
"""
from __future__ import annotations

import threading
from collections import OrderedDict

from server import metrics
from server.sparql.runner import QueryRequest, QueryResponse

Key = tuple


class AnswerCache:
    def __init__(self, mebibytes: int):
        self.capacity = mebibytes * 1024 * 1024
        self.used = 0
        self.answers: OrderedDict[Key, QueryResponse] = OrderedDict()
        self.lock = threading.Lock()

    @staticmethod
    def key(request: QueryRequest) -> Key:
        return (request.query, request.result_format, request.graph_format,
                tuple(request.default_graphs), tuple(request.named_graphs), request.limit,
                request.base)

    def get(self, request: QueryRequest) -> QueryResponse | None:
        if not self.capacity:
            return None
        key = self.key(request)
        with self.lock:
            answer = self.answers.get(key)
            if answer is not None:
                self.answers.move_to_end(key)
        metrics.ANSWER_CACHE.labels("hit" if answer else "miss").inc()
        return answer

    def put(self, request: QueryRequest, answer: QueryResponse) -> None:
        size = len(answer.body) + len(request.query)
        if size > self.capacity // 16:
            return
        key = self.key(request)
        with self.lock:
            if key in self.answers:
                return
            self.answers[key] = answer
            self.used += size
            while self.used > self.capacity:
                old_key, old = self.answers.popitem(last=False)
                self.used -= len(old.body) + len(old_key[0])
