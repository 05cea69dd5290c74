"""Write N synthetic practices as one listing page in the sample's format.

Deterministic (seeded), so benchmarks and tests see the same data every run. Values
are drawn from the spellings the real site uses, in both tag line and sections, and
organisations repeat so that organisation and country pages become hubs.

    python bench/generate.py 10000 data/sources/synthetic-10k.txt
"""
from __future__ import annotations

import random
import sys
from pathlib import Path

COUNTRIES = ["Austria", "Belgium", "Bulgaria", "Croatia", "Cyprus", "Czechia", "Denmark",
             "Estonia", "Finland", "France", "Germany", "Greece", "Hungary", "Ireland", "Italy",
             "Latvia", "Lithuania", "Luxembourg", "Malta", "Netherlands", "Poland", "Portugal",
             "Romania", "Slovakia", "Slovenia", "Spain", "Sweden", "Norway", "Iceland",
             "Serbia", "Ukraine", "Albania", "North Macedonia"]
AUDIENCES = [("For children", "Digital skills for children"),
             ("In education", "Digital skills in education"),
             ("For the workforce", "Digital skills for the workforce"),
             ("For all", "Digital skills for all"),
             ("For ICT professionals", "Digital skills for ICT professionals"),
             ("For public administration", "Digital skills for public administration")]
TECHNOLOGIES = [("AI & ML", "Artificial Intelligence"), ("AR & VR", "Virtual Reality"),
                ("Cloud", "Cloud Computing"), ("Cybersecurity", "Cybersecurity"),
                ("Data", "Data"), ("Blockchain", "Blockchain"), ("IoT", "Internet of Things"),
                ("Robotics", "Robotics"), ("Basic digital skills", "Digital skills")]
INITIATIVES = [("Local good practice initiative", "Local initiative"),
               ("National good practice initiative", "National initiative"),
               ("International good practice initiative", "International initiative"),
               ("EU institutional good practice initiative", "EU institutional initiative")]
FUNDING = ["Public", "Private", "Other"]
WORDS = ["digital", "skills", "training", "programme", "school", "library", "coding", "robotics", "data", "citizens", "teachers", "seniors", "women", "youth", "regional", "national", "online", "course", "academy", "bootcamp", "partnership", "campaign", "hackathon", "platform", "inclusion", "literacy", "cloud", "security"]
CYRILLIC = ["цифрови", "умения", "обучение", "училище", "програма", "библиотека", "данни", "роботика"]


def title(rng: random.Random, index: int) -> str:
    words = CYRILLIC if index % 50 == 0 else WORDS
    return " ".join(rng.choice(words) for _ in range(4)).capitalize() + f" {index}"


def entry(rng: random.Random, index: int, organisations: list[str]) -> str:
    name = title(rng, index)
    country = rng.choice(COUNTRIES)
    audiences = rng.sample(AUDIENCES, rng.randint(1, 3))
    technologies = rng.sample(TECHNOLOGIES, rng.randint(1, 2))
    initiative = rng.choice(INITIATIVES)
    funding = rng.choice(FUNDING)
    tags = sorted({country, initiative[0], funding, *(a[0] for a in audiences),
                   *(t[0] for t in technologies), "Country providing the good practice",
                   "Funding of the good practice", "INSPIRATION: Good practices",
                   "Type of initiative of the good practice"})
    year = rng.randint(2015, 2025)
    start = f"{rng.randint(1, 28):02d}.{rng.randint(1, 12):02d}.{year}"
    end = f"{rng.randint(1, 28):02d}.{rng.randint(1, 12):02d}.{year + rng.randint(1, 3)}"
    body = " ".join(rng.choice(WORDS) for _ in range(60)).capitalize() + "."
    bullets = "\n".join(f"  • {rng.choice(WORDS).capitalize()} {rng.choice(WORDS)};"
                        for _ in range(3))
    lines = [
        name, "", f"By {', '.join(tags)}No Comments", name, "",
        f"{rng.randint(1, 28):02d}.{rng.randint(1, 12):02d}.{rng.randint(2019, 2025)} |", "",
        body, "", "Aims and objectives", "", bullets, "", "",
        "Target audience", "", *[x for a in audiences for x in (a[1], "")],
        "Digital technology", "", *[x for t in technologies for x in (t[1], "")],
        "", "Funding of the good practice", "", funding, "",
        "Type of initiative of the good practice", "", initiative[1], "",
        "Country providing the good practice", "", country, "",
        "Organisation providing the good practice", "", rng.choice(organisations), "",
        "Start date", "", start, "", "End date", "", end, "",
    ]
    return "\n".join(lines)


def generate(count: int, seed: int = 7) -> str:
    rng = random.Random(seed)
    organisations = [f"{rng.choice(WORDS).capitalize()} {rng.choice(WORDS).capitalize()} "
                     f"Association {n}" for n in range(max(10, count // 20))]
    parts = ["Skip to main content", ""]
    parts += [entry(rng, index, organisations) for index in range(1, count + 1)]
    return "\n".join(parts) + "\n"


def generate_pages(count: int, per_page: int, seed: int = 7) -> list[str]:
    """The same practices as :func:`generate`, as a paginated listing (a WordPress
    archive's ``/page/2/``…) of ``per_page`` entries a page."""
    rng = random.Random(seed)
    organisations = [f"{rng.choice(WORDS).capitalize()} {rng.choice(WORDS).capitalize()} "
                     f"Association {n}" for n in range(max(10, count // 20))]
    entries = [entry(rng, index, organisations) for index in range(1, count + 1)]
    return ["\n".join(["Skip to main content", "", *entries[start:start + per_page]]) + "\n"
            for start in range(0, count, per_page)]


def write_project(folder: Path, count: int) -> Path:
    """A data folder under ``folder`` with ``count`` synthetic practices on one page and
    no curation: what the benches build."""
    data = folder / "data"
    (data / "sources").mkdir(parents=True)
    (data / "curation").mkdir()
    (data / "sources" / "synthetic.txt").write_text(generate(count), encoding="utf-8")
    return data


def main() -> None:
    if len(sys.argv) != 3:
        raise SystemExit("usage: generate.py COUNT OUTPUT.txt")
    count, output = int(sys.argv[1]), Path(sys.argv[2])
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(generate(count), encoding="utf-8")


if __name__ == "__main__":
    main()
