"""A practice's HTML (a WordPress post body, a theme-rendered page) as a raw entry.

The post body holds the same parts as a scraped listing entry: narrative text, then
sections introduced by headings (``Target audience``, ``Digital technology``, …; the
headings of :data:`dskg.fields.SECTIONS`) whose values are list items, paragraphs or
lines. The body is read as a sequence of blocks — headings, paragraphs, list items —
with whitespace collapsed as a browser shows it. Before the first section heading,
blocks are the body text (list items as ``• item`` lines, the form the text reader
gives); after it, each block line is a value of the open section. A heading that
opens no section ends the section block, and what follows is body text again, so
nothing the author wrote is lost.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from html import unescape
from urllib.parse import urljoin

from bs4 import BeautifulSoup, NavigableString, Tag
from bs4.element import CData, Comment, Declaration, Doctype, ProcessingInstruction

from dskg.ingest.page import RawEntry, section_of

BLOCKS = {"p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "dt", "dd", "blockquote", "pre",
          "figcaption", "td", "th"}
HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6", "dt"}
SKIPPED = {"script", "style", "noscript", "template", "form", "button", "svg", "iframe"}
SPACE = re.compile(r"\s+")
#: Parts of a document that are no text a reader sees.
NOT_TEXT = (Comment, Declaration, Doctype, CData, ProcessingInstruction)


def plain(html: str) -> str:
    """Text of an HTML fragment (a REST ``title.rendered``): tags dropped, entities
    decoded, whitespace collapsed."""
    text = BeautifulSoup(html, "html.parser").get_text(" ") if "<" in html else unescape(html)
    return SPACE.sub(" ", text).strip()


def blocks(root: Tag) -> Iterator[tuple[str, list[str]]]:
    """(tag name, lines) of each innermost block under ``root``, in document order; a
    ``<br>`` splits a block into lines. Text directly inside a container counts as a
    paragraph of its own."""
    loose: list[str] = []
    for child in root.children:
        if isinstance(child, NavigableString):
            if not isinstance(child, NOT_TEXT):
                loose.append(str(child))
            continue
        if not isinstance(child, Tag) or child.name in SKIPPED:
            continue
        if child.name == "br":
            loose.append("\n")
            continue
        nested = child.name not in BLOCKS and _has_blocks(child)
        inline = child.name not in BLOCKS and not nested
        if inline:
            loose.append(_text_with_breaks(child))
            continue
        yield from _loose(loose)
        loose = []
        if nested or (child.name in ("li", "blockquote", "td", "dd") and _has_blocks(child)):
            if child.name == "li":
                own = _own_text(child)
                if own:
                    yield "li", own
            yield from blocks(child)
        else:
            lines = _lines(_text_with_breaks(child))
            if lines:
                yield child.name, lines
    yield from _loose(loose)


def _loose(parts: list[str]) -> Iterator[tuple[str, list[str]]]:
    lines = _lines("".join(parts))
    if lines:
        yield "p", lines


def _has_blocks(tag: Tag) -> bool:
    return any(isinstance(d, Tag) and (d.name in BLOCKS or d.name in ("ul", "ol", "div"))
               for d in tag.descendants)


def _own_text(li: Tag) -> list[str]:
    """Text of a list item before its nested list or paragraphs."""
    parts = []
    for child in li.children:
        if isinstance(child, Tag) and (child.name in BLOCKS or child.name in ("ul", "ol")):
            break
        parts.append(_text_with_breaks(child) if isinstance(child, Tag) else str(child))
    return _lines("".join(parts))


def _text_with_breaks(tag: Tag) -> str:
    parts = []
    for piece in tag.descendants:
        if isinstance(piece, Tag) and piece.name == "br":
            parts.append("\n")
        elif isinstance(piece, NavigableString) and not isinstance(piece, NOT_TEXT) and not any(
                parent.name in SKIPPED for parent in piece.parents if isinstance(parent, Tag)):
            parts.append(str(piece))
    return "".join(parts)


def _lines(text: str) -> list[str]:
    return [line for line in (SPACE.sub(" ", part).strip() for part in text.split("\n"))
            if line]


def body_entry(html: str, number: int, *, title: str, published: str | None,
               categories: list[str], url: str | None, item: str) -> RawEntry:
    """The raw entry of one item whose body is ``html``."""
    root = BeautifulSoup(html, "html.parser")
    entry = RawEntry(number=number, first_line=0, title=title, published=published,
                     categories=categories, url=url, item=item)
    fill_entry(entry, blocks(root))
    return entry


def fill_entry(entry: RawEntry, items: Iterator[tuple[str, list[str]]]) -> None:
    """Sort blocks into the entry's body lines and its sections."""
    section: str | None = None
    previous = ""
    for name, lines in items:
        heading = section_of(lines[0]) if name in HEADINGS or _looks_like_heading(lines) \
            else None
        if heading is not None:
            section = heading
            entry.sections.setdefault(heading, [])
            if heading not in entry.section_order:
                entry.section_order.append(heading)
            continue
        if section is not None and name in HEADINGS:
            section = None
        if section is not None:
            for line in lines:
                entry.add_value(section, line)
            continue
        if name == "li":
            if previous != "li" and entry.head:
                entry.head.append("")
            entry.head.extend(f"• {line}" for line in lines)
        else:
            if entry.head:
                entry.head.append("")
            entry.head.extend(lines)
        previous = name


def _looks_like_heading(lines: list[str]) -> bool:
    """A paragraph that is only a section's heading (``<p><strong>Target
    audience</strong></p>`` in themes that style headings by hand)."""
    return len(lines) == 1 and section_of(lines[0]) is not None


class PageUnreadable(ValueError):
    """A page lacks a part its source's selectors name."""


def page_entry(document: str, url: str, number: int, selector: Callable[[str], str]
               ) -> RawEntry:
    """The raw entry of a practice's own page as a theme renders it; ``selector(part)``
    gives the CSS selector of ``title``, ``content``, ``date``, ``categories`` and
    ``tags`` (:attr:`dskg.sources.Source.selector`)."""
    soup = BeautifulSoup(document, "html.parser")
    title = soup.select_one(selector("title"))
    content = soup.select_one(selector("content"))
    for part, found in (("title", title), ("content", content)):
        if found is None:
            raise PageUnreadable(f"no element matches the {part} selector "
                                 f"{selector(part)!r}")
    assert title is not None and content is not None
    when = soup.select_one(selector("date"))
    stamp = when.get("datetime") if when is not None else None
    names = [plain(a.get_text(" ")) for part in ("categories", "tags")
             for a in soup.select(selector(part))]
    canonical = soup.select_one("link[rel~=canonical][href]")
    entry = RawEntry(number=number, first_line=0, title=plain(title.get_text(" ")),
                     published=str(stamp)[:10] if stamp else None,
                     categories=list(dict.fromkeys(n for n in names if n)),
                     url=str(canonical["href"]) if canonical is not None else url,
                     item="page")
    root = soup.find("html")
    declared = root.get("lang") if isinstance(root, Tag) else None
    entry.language = str(declared) if declared else None
    entry.alternates = [urljoin(url, str(link["href"])) for link in
                        soup.select("link[rel~=alternate][hreflang][href]")
                        if str(link["hreflang"]).lower() != "x-default"]
    fill_entry(entry, blocks(content))
    return entry


def is_practice_page(document: str, selector: Callable[[str], str]) -> bool:
    """Whether ``document`` has a practice's title and content (it is no listing)."""
    soup = BeautifulSoup(document, "html.parser")
    return soup.select_one(selector("title")) is not None and \
        soup.select_one(selector("content")) is not None


def page_links(document: str, base: str, selector: Callable[[str], str]
               ) -> tuple[list[str], str | None]:
    """The practice pages a listing page links to, and its next listing page."""
    soup = BeautifulSoup(document, "html.parser")
    links = [urljoin(base, str(a["href"])) for a in soup.select(selector("links"))
             if a.get("href")]
    following = soup.select_one(selector("next"))
    return (list(dict.fromkeys(links)),
            urljoin(base, str(following["href"])) if following is not None
            and following.get("href") else None)
