"""Organisation candidates from reconciliation services (W3C Reconciliation API 0.2):
Wikidata's, a second dskg deployment's ``/reconcile``, any other.

Each service named in ``DSKG_RECONCILE_SERVICES`` is asked for our organisations' names
in batches of ten, by GET, paced and retried as a harvest is (:mod:`dskg.harvest.fetch`,
one request a second by default, robots.txt obeyed), and every answer is kept in
``var/harvest/reconcile.json``: asking again for the same batch costs nothing. A
candidate the service calls a ``match`` is proposed with score 0.9; otherwise the best
candidate, if the service scores it 90 or more (of 100), with its score over 100.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from dskg.errors import DskgError
from dskg.harvest.fetch import Fetcher
from dskg.sources import Politeness

log = logging.getLogger(__name__)
BATCH = 10
#: The least score (of 100) that makes a service's best candidate a proposal.
LEAST = 90.0


@dataclass(frozen=True)
class Proposal:
    subject: str
    name: str
    target: str
    score: float
    rule: str


class Cache:
    """Answers of reconciliation services, by service and batch, kept between runs."""

    def __init__(self, path: Path):
        self.path = path
        self.answers: dict[str, dict] = (json.loads(path.read_text(encoding="utf-8"))
                                         if path.is_file() else {})

    @staticmethod
    def key(url: str) -> str:
        return hashlib.sha256(url.encode("utf-8")).hexdigest()

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_text(json.dumps(self.answers, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, self.path)


def _type_for_organisations(manifest: dict) -> str | None:
    """The service's own type for organisations, if its default types name one."""
    for kind in manifest.get("defaultTypes") or []:
        if "organi" in f"{kind.get('id', '')} {kind.get('name', '')}".casefold():
            return str(kind["id"])
    return None


def ask(service: str, organisations: Iterable[tuple[str, str]], cache: Cache,
        rate: float) -> list[Proposal]:
    """Proposals for ``organisations`` (our IRI, name) from one service."""
    fetcher = Fetcher(Politeness(rate=rate, concurrency=1))
    try:
        manifest = json.loads(fetcher.get(service, accept="application/json").text())
        space = manifest["identifierSpace"]
    except (ValueError, KeyError, TypeError):
        raise DskgError(f"{service}: not a reconciliation service (its manifest names no "
                        "identifierSpace)") from None
    kind = _type_for_organisations(manifest)
    name = manifest.get("name") or service
    items = list(organisations)
    proposals = []
    for start in range(0, len(items), BATCH):
        batch = items[start:start + BATCH]
        queries = {f"q{i}": {"query": label, "limit": 3, **({"type": kind} if kind else {})}
                   for i, (_, label) in enumerate(batch)}
        url = f"{service}?{urlencode({'queries': json.dumps(queries, sort_keys=True)})}"
        key = Cache.key(url)
        if key not in cache.answers:
            try:
                reply = fetcher.get(url, accept="application/json")
                cache.answers[key] = json.loads(reply.text())
            except ValueError:
                raise DskgError(f"{service}: its answer to a batch of queries is not "
                                "JSON") from None
        answer = cache.answers[key]
        for i, (subject, label) in enumerate(batch):
            results = (answer.get(f"q{i}") or {}).get("result") or []
            chosen = [r for r in results if r.get("match")] or [
                r for r in results[:1] if float(r.get("score") or 0) >= LEAST]
            for result in chosen:
                target = str(result["id"])
                if "://" not in target:
                    target = space + target
                matched = bool(result.get("match"))
                score = 0.9 if matched else min(1.0, float(result["score"]) / 100)
                says = "calls it a match" if matched else f"scores it {result['score']}"
                proposals.append(Proposal(subject, label, target, score,
                                          f"{name} ({service}) {says}: "
                                          f"{result.get('name', target)!r}"))
    log.info("%s: %d proposals for %d organisations", service, len(proposals), len(items))
    return proposals
