"""The pieces of a leaderboard chart's layout: texts with their boxes and fonts, shapes in
the brand's styles, and the builder that fits each text into its width.

A text is set at the largest size that fits, down to a floor; at the floor it is cut with
an ellipsis. Characters the shipped Noto Sans CJK subset lacks are left out and collected
(``ChartBuilder.dropped``) rather than drawn as empty boxes, and invisible format
characters never reach the image.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

from PIL import ImageFont

from bot.images.poster_layout import missing_glyphs

Box = tuple[int, int, int, int]
Ink = Literal["ink", "muted", "accent", "on_header", "on_header_muted", "on_medal"]
Style = Literal["header", "stripe", "highlight", "bar", "bar_highlight", "track", "medal1", "medal2", "medal3",
                "card", "card_edge", "card_bar", "card_bar_highlight", "rule", "gap"]


@dataclass(frozen=True, slots=True)
class ChartText:
    role: str  # title, subtitle, column, rank, name, detail, value, empty, section, section_total
    text: str  # what is drawn, after unprintable characters were left out
    box: Box  # the ink's bounding box on the canvas
    font_path: str
    font_size: int
    at: tuple[int, int]  # the anchor point the text is drawn from
    anchor: str  # Pillow text anchor, e.g. "ls" (left, baseline)
    table: int = -1  # -1 for the main ranking, else the section's index
    row: int = -1  # index of the row in its table, -1 for headings
    ink: Ink = "ink"  # which of the brand's colours it is drawn in


@dataclass(frozen=True, slots=True)
class Shape:
    style: Style
    box: Box
    round: bool = False  # pill ends / a disc


class ChartBuilder:
    """Collects the texts and shapes of one chart, in drawing order."""

    def __init__(self) -> None:
        self.texts: list[ChartText] = []
        self.shapes: list[Shape] = []
        self.dropped: set[str] = set()

    def shape(self, style: Style, box: Box, *, round: bool = False) -> None:  # noqa: A002
        self.shapes.append(Shape(style, box, round))

    def fitted(
        self, role: str, raw: str, font: Path, max_size: int, min_size: int, x: int, y: int, max_width: int, *,
        anchor: str = "ls", table: int = -1, row: int = -1, ink: Ink = "ink",
    ) -> ChartText | None:
        """The text at the largest size from max_size down to min_size that fits max_width;
        at min_size, cut with an ellipsis."""
        text = _printable(raw, font, self.dropped)
        if not text:
            return None
        size, text = _fit(text, font, max_size, min_size, max_width)
        x0, y0, x1, y1 = chart_font(font, size).getbbox(text, anchor=anchor)
        item = ChartText(role, text, (x + x0, y + y0, x + x1, y + y1), str(font), size, (x, y), anchor, table, row, ink)
        self.texts.append(item)
        return item


def _printable(raw: str, font: Path, dropped: set[str]) -> str:
    text = unicodedata.normalize("NFC", raw)
    # Control and format characters (bidi overrides, zero-width joiners) never reach the page.
    text = "".join(" " if char.isspace() else char for char in text
                   if char.isspace() or not unicodedata.category(char).startswith("C"))
    missing = missing_glyphs(text, font)
    dropped |= missing
    return " ".join("".join(char for char in text if char not in missing).split())


def _fit(text: str, font: Path, max_size: int, min_size: int, max_width: int) -> tuple[int, str]:
    width = chart_font(font, max_size).getlength(text)
    if width <= max_width:
        return max_size, text
    size = max(min_size, math.floor(max_size * max_width / width))
    while size > min_size and chart_font(font, size).getlength(text) > max_width:
        size -= 1
    loaded = chart_font(font, size)
    if loaded.getlength(text) <= max_width:
        return size, text
    low, high = 0, len(text)  # the longest prefix that fits with the ellipsis
    while low < high:
        middle = (low + high + 1) // 2
        if loaded.getlength(text[:middle].rstrip() + "…") <= max_width:
            low = middle
        else:
            high = middle - 1
    return size, text[:low].rstrip() + "…"


@lru_cache(maxsize=64)
def chart_font(path: Path, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(path), size)
