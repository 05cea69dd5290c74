"""Polite HTTP for harvests: robots.txt, a rate limit, retries, timeouts, a size cap.

Every request of a harvest goes through one :class:`Fetcher` per source. It asks
``robots.txt`` first (once per host; a missing file allows everything, one that
answers a server error forbids everything, as RFC 9309 says; a host that cannot be
reached at all fails the request with that reason), starts at most ``rate`` requests a second
whatever the number of threads, retries connection failures, timeouts, 429 and 5xx
answers with exponential backoff (a ``Retry-After`` is honoured), reads no more than
``max_bytes`` of a body, and sends conditional headers when it is given what an
earlier fetch saw. Failures are :class:`FetchError` with the URL and the reason in
words; nothing here knows about WordPress.
"""
from __future__ import annotations

import hashlib
import logging
import threading
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from http import HTTPStatus
from urllib.parse import urljoin, urlsplit
from urllib.robotparser import RobotFileParser

import requests

from dskg.errors import DskgError
from dskg.sources import Politeness

log = logging.getLogger("dskg.harvest")
RETRY_STATUSES = {429, 500, 502, 503, 504}
MAX_REDIRECTS = 10
#: The rules of a site whose robots.txt cannot be read (RFC 9309, 2.3.1.4).
DISALLOW_ALL = ["User-agent: *", "Disallow: /"]


class FetchError(DskgError):
    """A URL could not be fetched; the message names it and says why."""

    def __init__(self, url: str, reason: str, status: int | None = None):
        super().__init__(f"{url}: {reason}")
        self.url, self.reason, self.status = url, reason, status


@dataclass
class Response:
    url: str
    status: int
    body: bytes
    headers: dict[str, str]

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def etag(self) -> str | None:
        return self.headers.get("etag")

    @property
    def last_modified(self) -> str | None:
        return self.headers.get("last-modified")

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.body).hexdigest()

    def text(self, default_charset: str = "utf-8") -> str:
        """The body as text in its declared charset (UTF-8 when none is declared)."""
        charset = default_charset
        content_type = self.headers.get("content-type", "")
        for part in content_type.split(";")[1:]:
            key, _, value = part.strip().partition("=")
            if key.lower() == "charset" and value:
                charset = value.strip('"').lower()
        try:
            return self.body.decode(charset).lstrip("\ufeff")
        except LookupError:
            raise FetchError(self.url, f"unknown charset {charset!r}") from None
        except UnicodeDecodeError as error:
            raise FetchError(self.url, f"not {charset} text (byte {self.body[error.start]:#04x} "
                             f"at offset {error.start})") from None


class _Pace:
    """Spaces request starts at least ``1 / rate`` seconds apart across threads."""

    def __init__(self, rate: float):
        self.interval = 1.0 / rate
        self.lock = threading.Lock()
        self.next = 0.0

    def wait(self) -> None:
        with self.lock:
            now = time.monotonic()
            start = max(now, self.next)
            self.next = start + self.interval
        if start > now:
            time.sleep(start - now)


class Fetcher:
    """The HTTP client of one source's harvest (safe to share between its threads)."""

    def __init__(self, politeness: Politeness):
        self.politeness = politeness
        self.pace = _Pace(politeness.rate)
        self.local = threading.local()
        self.robots: dict[str, RobotFileParser | None] = {}
        self.robots_lock = threading.Lock()
        #: Requests sent (redirects followed included) and body bytes received, for the
        #: harvest summary.
        self.requests = 0
        self.bytes = 0

    def _session(self) -> requests.Session:
        session = getattr(self.local, "session", None)
        if session is None:
            session = requests.Session()
            session.headers["User-Agent"] = self.politeness.user_agent
            session.max_redirects = MAX_REDIRECTS
            self.local.session = session
        return session

    def get(self, url: str, *, etag: str | None = None, last_modified: str | None = None,
            accept: str = "*/*", allow_missing: bool = False) -> Response:
        """Fetch ``url`` (a 304 when the validators still hold); 4xx raise unless
        ``allow_missing`` lets 404 and 410 through as answers."""
        if self.politeness.robots and not self.allowed(url):
            raise FetchError(url, "robots.txt does not allow dskg to fetch it")
        headers = {"Accept": accept}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        attempt = 0
        while True:
            attempt += 1
            try:
                response = self._once(url, headers)
            except FetchError as error:
                if error.status is None and attempt <= self.politeness.retries and \
                        error.reason.startswith(("timed out", "cannot connect")):
                    self._back_off(url, attempt, error.reason, None)
                    continue
                raise
            if response.status in RETRY_STATUSES and attempt <= self.politeness.retries:
                self._back_off(url, attempt, f"HTTP {response.status}",
                               response.headers.get("retry-after"))
                continue
            if response.status in (404, 410) and allow_missing:
                return response
            if response.status >= 400:
                raise FetchError(url, f"HTTP {response.status} {_reason(response.status)}"
                                 + (f" after {attempt} attempts" if attempt > 1 else ""),
                                 response.status)
            return response

    def _back_off(self, url: str, attempt: int, why: str, retry_after: str | None) -> None:
        delay = self.politeness.backoff * 2 ** (attempt - 1)
        if retry_after:
            delay = max(delay, min(_retry_after(retry_after), 120.0))
        log.info("%s: %s; retrying in %.1f s (attempt %d of %d)", url, why, delay,
                 attempt + 1, self.politeness.retries + 1)
        time.sleep(delay)

    def _once(self, url: str, headers: dict[str, str]) -> Response:
        self.pace.wait()
        cap = self.politeness.max_bytes
        try:
            with self._session().get(url, headers=headers, stream=True,
                                     timeout=self.politeness.timeout) as answer:
                self.requests += 1 + len(answer.history)
                declared = answer.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > cap:
                    raise FetchError(url, f"response of {int(declared):,} bytes is larger "
                                     f"than the cap of {cap:,} (politeness.max_bytes)")
                chunks, size = [], 0
                deadline = time.monotonic() + self.politeness.timeout * 4
                for chunk in answer.iter_content(65536):
                    size += len(chunk)
                    if size > cap:
                        raise FetchError(url, f"response larger than the cap of {cap:,} "
                                         "bytes (politeness.max_bytes)")
                    if time.monotonic() > deadline:
                        raise FetchError(url, "timed out while reading the response")
                    chunks.append(chunk)
                self.bytes += size
                return Response(url=answer.url, status=answer.status_code,
                                body=b"".join(chunks),
                                headers={k.lower(): v for k, v in answer.headers.items()})
        except requests.TooManyRedirects:
            raise FetchError(url, f"more than {MAX_REDIRECTS} redirects (a redirect "
                             "loop?)") from None
        except requests.Timeout:
            raise FetchError(url, f"timed out after {self.politeness.timeout:g} s") from None
        except requests.ConnectionError as error:
            raise FetchError(url, f"cannot connect ({_root_cause(error)})") from None
        except requests.RequestException as error:
            raise FetchError(url, f"request failed ({_root_cause(error)})") from None

    def allowed(self, url: str) -> bool:
        """Whether the site's robots.txt lets our User-Agent fetch ``url``."""
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        with self.robots_lock:
            if origin not in self.robots:
                try:
                    self.robots[origin] = self._robots(origin)
                except FetchError as error:
                    raise FetchError(url, error.reason) from None
        rules = self.robots[origin]
        return rules is None or rules.can_fetch(self.politeness.user_agent, url)

    def _robots(self, origin: str) -> RobotFileParser | None:
        """The rules of ``origin``; ``None`` (everything allowed) when it has none."""
        url = urljoin(origin, "/robots.txt")
        rules = RobotFileParser(url)
        try:
            response = self._once(url, {"Accept": "text/plain"})
        except FetchError as error:
            if error.reason.startswith(("cannot connect", "timed out")):
                raise  # the site is down: that is the failure to report, not robots.txt
            log.warning("%s; treating the whole site as disallowed", error)
            rules.parse(DISALLOW_ALL)
            return rules
        if 400 <= response.status < 500:
            return None
        if response.status >= 500:
            log.warning("%s: HTTP %d; treating the whole site as disallowed", url,
                        response.status)
            rules.parse(DISALLOW_ALL)
            return rules
        rules.parse(response.body.decode("utf-8", "replace").splitlines())
        return rules


def _retry_after(value: str) -> float:
    if value.strip().isdigit():
        return float(value)
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return 0.0


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def _root_cause(error: BaseException) -> str:
    while error.__context__ is not None and error.__context__ is not error:
        error = error.__context__
    text = str(error).split("] ")[-1] or type(error).__name__
    return text.splitlines()[0][:200]
