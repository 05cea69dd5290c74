"""The sample listing page as a coalition's WordPress holds it: one post per entry.

The page was scraped from such a site: its tag lines are the themes' category lists,
its sections are headings in the post body. This module goes the other way, with
rules of its own (it shares no code with dskg's readers): each entry becomes a post
with the tag line's categories, the publication date, and a body of paragraphs,
bullet lists and ``<h3>`` headings, section values as list items (audiences,
technologies) or paragraphs (the others), as editors write them.
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from pathlib import Path

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "sources" / "good-practices-listing.txt"
SECTION_HEADINGS = ("Target audience", "Digital technology", "Funding of the good practice",
                    "Type of initiative of the good practice",
                    "Country providing the good practice",
                    "Organisation providing the good practice", "Start date", "End date")
LISTED_SECTIONS = {"Target audience", "Digital technology"}
TAG_LINE = re.compile(r"^By (.*?)No Comments$")
DATE_LINE = re.compile(r"^(\d\d)\.(\d\d)\.(\d{4}) \|$")
#: Short lines of the sample's bodies that the site shows as headings.
BODY_HEADINGS = {"Aims and objectives", "Why is this a good practice?", "Results and impact",
                 "What is the added value?", "Who can participate?", "Process of the project",
                 "Digital Skills Matchmaking"}


@dataclass
class Post:
    title: str
    categories: list[str]
    date: str | None
    body: list[str] = field(default_factory=list)
    sections: list[tuple[str, list[str]]] = field(default_factory=list)

    @property
    def html(self) -> str:
        return render(self.body, self.sections)


def render(body: list[str], sections: list[tuple[str, list[str]]]) -> str:
    """A post body as the block editor saves it."""
    out: list[str] = []
    bullets: list[str] = []

    def close_list() -> None:
        if bullets:
            out.append("<ul>" + "".join(f"<li>{item}</li>" for item in bullets) + "</ul>")
            bullets.clear()
    for line in body:
        text = html.escape(line.strip(), quote=False)
        if line.strip().startswith("•"):
            bullets.append(html.escape(line.strip().lstrip("•").strip(), quote=False))
            continue
        close_list()
        if line.strip() in BODY_HEADINGS:
            out.append(f"<h3>{text}</h3>")
        elif text:
            out.append(f"<p>{text}</p>")
    close_list()
    for heading, values in sections:
        out.append(f"<h3>{heading}</h3>")
        escaped = [html.escape(v, quote=False) for v in values]
        if heading in LISTED_SECTIONS and values:
            out.append("<ul>" + "".join(f"<li>{v}</li>" for v in escaped) + "</ul>")
        else:
            out.extend(f"<p>{v}</p>" for v in escaped)
    return "\n".join(out)


def next_text(lines: list[str], index: int) -> int:
    while index < len(lines) and not lines[index].strip():
        index += 1
    return index


def sample_posts(path: Path = SAMPLE) -> list[Post]:
    """The sample page's four entries (three practices and the unfilled template)."""
    lines = [line.rstrip() for line in path.read_text(encoding="utf-8").splitlines()]
    posts: list[Post] = []
    post: Post | None = None
    section: list[str] | None = None
    index = 0
    while index < len(lines):
        line = lines[index].strip()
        index += 1
        following = next((l.strip() for l in lines[index:] if l.strip()), "")
        if not line or line == "Skip to main content" or TAG_LINE.match(following):
            continue
        if match := TAG_LINE.match(line):
            index = next_text(lines, index)
            title = lines[index].strip()
            index = next_text(lines, index + 1)
            date = None
            if index < len(lines) and (m := DATE_LINE.match(lines[index].strip())):
                date = f"{m[3]}-{m[2]}-{m[1]} 09:00:00"
                index += 1
            post = Post(title, [c.strip() for c in match[1].split(",")], date)
            posts.append(post)
            section = None
            continue
        if line.startswith("TO BE FILLED") and (post is None or post.title != "ADD TITLE"):
            post = Post("ADD TITLE", [], None)
            posts.append(post)
            section = None
        assert post is not None
        if line in SECTION_HEADINGS:
            section = []
            post.sections.append((line, section))
        elif section is not None:
            section.append(line)
        else:
            post.body.append(lines[index - 1])
    return posts
