"""A choropleth of Europe: practices per country, drawn on the server as SVG.

The shapes are Natural Earth's, from the ``world-atlas`` npm package (TopoJSON,
installed by ``make``, never fetched at run time). The page works without
JavaScript: every country is a link to the browse page filtered on it.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from dskg.config import PROJECT_ROOT

ATLAS = PROJECT_ROOT / "node_modules" / "world-atlas" / "countries-50m.json"
#: The map's window (degrees) and the latitude whose scale it keeps true.
WEST, EAST, SOUTH, NORTH, MIDDLE = -25.0, 46.0, 34.0, 71.5, 52.0
WIDTH = 900.0
MIN_STEP = 0.04  # degrees between kept points: enough for a page-sized map
PALETTE = ["#deebf7", "#9ecae1", "#6baed6", "#3182bd", "#08519c"]


@dataclass(frozen=True)
class Shape:
    numeric: str | None
    name: str
    path: str


def _project(lon: float, lat: float) -> tuple[float, float]:
    scale = WIDTH / ((EAST - WEST) * math.cos(math.radians(MIDDLE)))
    x = (lon - WEST) * math.cos(math.radians(MIDDLE)) * scale
    y = (NORTH - lat) * scale
    return round(x, 1), round(y, 1)


def height() -> float:
    return _project(WEST, SOUTH)[1]


def _arcs(topology: dict) -> list[list[tuple[float, float]]]:
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    decoded = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        decoded.append(points)
    return decoded


def _ring(indexes: list[int], arcs: list[list[tuple[float, float]]]
          ) -> list[tuple[float, float]]:
    points: list[tuple[float, float]] = []
    for index in indexes:
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        points.extend(arc[1:] if points else arc)
    return points


def _path(polygons: list[list[list[int]]], arcs: list[list[tuple[float, float]]]) -> str:
    parts = []
    for polygon in polygons:
        for ring in polygon:
            points = _ring(ring, arcs)
            if not any(WEST - 5 <= lon <= EAST + 5 and SOUTH - 5 <= lat <= NORTH + 5
                       for lon, lat in points):
                continue
            kept, last = [], None
            for lon, lat in points:
                if last is None or abs(lon - last[0]) + abs(lat - last[1]) >= MIN_STEP:
                    kept.append((lon, lat))
                    last = (lon, lat)
            for piece in _split_at_antimeridian(kept):
                if len(piece) >= 3:
                    xy = [_project(lon, lat) for lon, lat in piece]
                    parts.append("M" + "L".join(f"{x},{y}" for x, y in xy) + "Z")
    return "".join(parts)


def _split_at_antimeridian(points: list[tuple[float, float]]) -> list[list]:
    """Rings that cross ±180° (Russia) would draw a line across the whole map."""
    pieces: list[list[tuple[float, float]]] = [[]]
    for point in points:
        if pieces[-1] and abs(point[0] - pieces[-1][-1][0]) > 180:
            pieces.append([])
        pieces[-1].append(point)
    return pieces


@lru_cache(maxsize=1)
def shapes(atlas: Path = ATLAS) -> list[Shape]:
    """Country outlines within the map window, projected once per process."""
    topology = json.loads(atlas.read_text(encoding="utf-8"))
    arcs = _arcs(topology)
    result = []
    for geometry in topology["objects"]["countries"]["geometries"]:
        if geometry["type"] == "Polygon":
            polygons = [geometry["arcs"]]
        elif geometry["type"] == "MultiPolygon":
            polygons = geometry["arcs"]
        else:
            continue
        path = _path(polygons, arcs)
        if path:
            result.append(Shape(geometry.get("id"), geometry["properties"]["name"], path))
    return result


NO_PRACTICE = "#f2f2f2"


@dataclass(frozen=True)
class Classes:
    """Quantile classes of the counts: each colour of :data:`PALETTE` holds about as
    many countries (a log scale painted counts of 48–83 all one blue), and the legend
    says which counts each colour stands for."""

    bounds: list[tuple[int, int]]

    @classmethod
    def of(cls, counts: list[int]) -> Classes:
        values = sorted(count for count in counts if count > 0)
        if not values:
            return cls([])
        bounds: list[tuple[int, int]] = []
        classes = min(len(PALETTE), len(set(values)))
        start = 0
        for number in range(1, classes + 1):
            end = max(start + 1, round(len(values) * number / classes))
            low, high = values[start], values[min(end, len(values)) - 1]
            if bounds and low <= bounds[-1][1]:
                low = bounds[-1][1] + 1
            if low <= high:
                bounds.append((low, high))
            start = end
            if start >= len(values):
                break
        return cls(bounds)

    def colour(self, count: int) -> str:
        if count <= 0:
            return NO_PRACTICE
        for (low, high), fill in zip(self.bounds, self.palette()):
            if low <= count <= high:
                return fill
        return self.palette()[-1] if self.bounds else NO_PRACTICE

    def palette(self) -> list[str]:
        """The colours in use, spread over the palette from light to dark."""
        if len(self.bounds) <= 1:
            return PALETTE[-1:] * len(self.bounds)
        last = len(PALETTE) - 1
        return [PALETTE[round(i * last / (len(self.bounds) - 1))]
                for i in range(len(self.bounds))]

    def legend(self) -> list[tuple[str, str]]:
        """(colour, the counts it stands for), no practice first."""
        return [(NO_PRACTICE, "0")] + [
            (fill, f"{low}" if low == high else f"{low}–{high}")
            for (low, high), fill in zip(self.bounds, self.palette())]
