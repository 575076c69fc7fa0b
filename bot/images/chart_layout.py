"""A leaderboard chart, laid out: a ranked bar chart, optionally followed by small per-store
tables (``layout_leaderboard``: every text and shape with its box), so tests read the texts
from the layout instead of comparing pixels; bot/images/charts.py draws it.

Telegram shows photos at most 1280 px on the long side and refuses sides over 10000 px,
so a chart holds at most MAX_SECTIONS store tables: callers split longer lists.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.images.chart_text import Box, ChartBuilder, ChartText, Ink, Shape
from bot.images.poster_layout import FONT_BOLD, FONT_REGULAR

WIDTH = 1080
MARGIN = 60
HEADER_HEIGHT = 176
ROW_HEIGHT = 88
ROW_GAP = 30  # before a row that does not follow the one above it
CARD_ROW_HEIGHT = 50
CARD_ROW_GAP = 22
CARD_HEADER = 62
GAP = 24
MAX_SECTIONS = 12  # store tables per image: six rows of two cards

LABELS = {
    "en": {"associate": "Associate", "value": "New members", "empty": "No new members yet"},
    "zh-Hans": {"associate": "导购", "value": "新会员", "empty": "暂无新会员"},
}


@dataclass(frozen=True, slots=True)
class ChartRow:
    rank: int | None  # None: unranked (no recruit), drawn without a number
    name: str
    value: int
    detail: str = ""  # under the name, e.g. the store in a brand-wide ranking
    highlight: bool = False  # the reader's own row
    after_gap: bool = False  # rows above it were left out (the reader's row under a top list)


@dataclass(frozen=True, slots=True)
class ChartSection:
    title: str  # e.g. the store's name
    rows: tuple[ChartRow, ...]
    total: int | None = None  # shown at the right of the title


@dataclass(frozen=True)
class ChartLayout:
    size: tuple[int, int]
    texts: tuple[ChartText, ...]
    shapes: tuple[Shape, ...]
    dropped: frozenset[str]  # characters left out because the font has no glyph for them

    def texts_of(self, role: str, table: int | None = None) -> list[str]:
        return [t.text for t in self.texts if t.role == role and (table is None or t.table == table)]


def layout_leaderboard(
    title: str,
    rows: Sequence[ChartRow],
    *,
    locale: str,
    subtitle: str = "",
    sections: Sequence[ChartSection] = (),
) -> ChartLayout:
    """Where every text and shape goes; nothing is drawn."""
    if len(sections) > MAX_SECTIONS:
        raise ValueError(f"at most {MAX_SECTIONS} sections per chart, got {len(sections)}")
    labels = LABELS.get(locale, LABELS["en"])
    out = ChartBuilder()
    out.shape("header", (0, 0, WIDTH, HEADER_HEIGHT))
    out.fitted("title", title, FONT_BOLD, 52, 34, MARGIN, 92 if subtitle else 108, WIDTH - 2 * MARGIN, ink="on_header")
    if subtitle:
        out.fitted("subtitle", subtitle, FONT_REGULAR, 28, 22, MARGIN, 140, WIDTH - 2 * MARGIN, ink="on_header_muted")
    y = HEADER_HEIGHT
    if rows or not sections:
        y = _main_table(out, rows, labels, y)
    if sections:
        y = _section_grid(out, sections, labels, y + (GAP if rows else 36))
    height = y + MARGIN // 2 + 8
    out.shape("header", (0, height - 8, WIDTH, height))
    return ChartLayout((WIDTH, height), tuple(out.texts), tuple(out.shapes), frozenset(out.dropped))


# --- the tables -----------------------------------------------------------------------

RANK_CENTRE = MARGIN + 30
NAME_LEFT = MARGIN + 84
NAME_WIDTH = 400
BAR_LEFT = NAME_LEFT + NAME_WIDTH + 24
VALUE_RIGHT = WIDTH - MARGIN
BAR_RIGHT = VALUE_RIGHT - 104


def _main_table(out: ChartBuilder, rows: Sequence[ChartRow], labels: dict[str, str], top: int) -> int:
    y = top + 58
    out.fitted("column", labels["associate"], FONT_REGULAR, 24, 20, NAME_LEFT, y - 14, NAME_WIDTH, ink="muted")
    out.fitted("column", labels["value"], FONT_REGULAR, 24, 20, VALUE_RIGHT, y - 14, 300, anchor="rs", ink="muted")
    if not rows:
        out.fitted("empty", labels["empty"], FONT_REGULAR, 34, 24, WIDTH // 2, y + 84, WIDTH - 2 * MARGIN, anchor="ms",
                   ink="muted")
        return y + 140
    peak = max(max(row.value for row in rows), 1)
    for index, row in enumerate(rows):
        if row.after_gap:
            _dots(out, RANK_CENTRE, y, ROW_GAP)
            y += ROW_GAP
        band = (0, y, WIDTH, y + ROW_HEIGHT)
        if row.highlight:
            out.shape("highlight", band)
        elif index % 2 == 0:
            out.shape("stripe", band)
        middle = y + ROW_HEIGHT // 2
        medal = f"medal{row.rank}" if row.rank is not None and row.rank <= 3 and row.value > 0 else None
        if medal:
            out.shape(medal, (RANK_CENTRE - 25, middle - 25, RANK_CENTRE + 25, middle + 25), round=True)  # type: ignore[arg-type]
        strong: Ink = "accent" if row.highlight else "ink"
        if row.rank is not None:
            out.fitted("rank", str(row.rank), FONT_BOLD, 28 if medal else 30, 18, RANK_CENTRE, middle, 52, anchor="mm",
                       row=index, ink="on_medal" if medal else "accent" if row.highlight else "muted")
        if row.detail:
            out.fitted("name", row.name, FONT_BOLD, 32, 24, NAME_LEFT, middle - 2, NAME_WIDTH, row=index, ink=strong)
            out.fitted("detail", row.detail, FONT_REGULAR, 22, 18, NAME_LEFT, middle + 30, NAME_WIDTH, row=index, ink="muted")
        else:
            out.fitted("name", row.name, FONT_BOLD, 32, 24, NAME_LEFT, middle + 12, NAME_WIDTH, row=index, ink=strong)
        out.shape("track", (BAR_LEFT, middle - 12, BAR_RIGHT, middle + 12), round=True)
        if row.value > 0:
            width = max(24, round((BAR_RIGHT - BAR_LEFT) * row.value / peak))
            out.shape("bar_highlight" if row.highlight else "bar", (BAR_LEFT, middle - 12, BAR_LEFT + width, middle + 12), round=True)
        out.fitted("value", str(row.value), FONT_BOLD, 36, 20, VALUE_RIGHT, middle + 13, VALUE_RIGHT - BAR_RIGHT - 16,
                   anchor="rs", row=index, ink=strong)
        y += ROW_HEIGHT
    return y


def _section_grid(out: ChartBuilder, sections: Sequence[ChartSection], labels: dict[str, str], top: int) -> int:
    columns = 1 if len(sections) == 1 else 2
    card_width = (WIDTH - 2 * MARGIN - (columns - 1) * GAP) // columns
    y = top
    for first in range(0, len(sections), columns):
        line = sections[first:first + columns]
        height = max(_card_height(section) for section in line)
        for offset, section in enumerate(line):
            left = MARGIN + offset * (card_width + GAP)
            _card(out, first + offset, section, labels, (left, y, left + card_width, y + height))
        y += height + GAP
    return y - GAP


def _card_height(section: ChartSection) -> int:
    gaps = sum(1 for row in section.rows if row.after_gap)
    return CARD_HEADER + max(len(section.rows), 1) * CARD_ROW_HEIGHT + gaps * CARD_ROW_GAP + 14


def _card(out: ChartBuilder, table: int, section: ChartSection, labels: dict[str, str], box: Box) -> None:
    left, top, right, bottom = box
    out.shape("card_edge", (left - 2, top - 2, right + 2, bottom + 2))
    out.shape("card", box)
    total_width = 0
    if section.total is not None:
        total = out.fitted("section_total", str(section.total), FONT_BOLD, 28, 20, right - 20, top + 42, 120,
                           anchor="rs", table=table)
        total_width = (total.box[2] - total.box[0]) + 16 if total else 0
    out.fitted("section", section.title, FONT_BOLD, 28, 20, left + 20, top + 42, right - left - 40 - total_width, table=table)
    out.shape("rule", (left + 20, top + CARD_HEADER - 6, right - 20, top + CARD_HEADER - 4))
    y = top + CARD_HEADER
    if not section.rows:
        out.fitted("empty", labels["empty"], FONT_REGULAR, 24, 18, left + 20, y + 34, right - left - 40, table=table, ink="muted")
        return
    peak = max(max(row.value for row in section.rows), 1)
    name_left, value_right = left + 64, right - 20
    track = value_right - 70 - name_left
    for index, row in enumerate(section.rows):
        if row.after_gap:
            _dots(out, left + 36, y, CARD_ROW_GAP)
            y += CARD_ROW_GAP
        middle = y + CARD_ROW_HEIGHT // 2
        if row.value > 0:
            width = max(12, round(track * row.value / peak))
            style = "card_bar_highlight" if row.highlight else "card_bar"
            out.shape(style, (name_left - 10, middle - 19, name_left - 10 + width, middle + 19))  # type: ignore[arg-type]
        strong: Ink = "accent" if row.highlight else "ink"
        if row.rank is not None:
            out.fitted("rank", str(row.rank), FONT_BOLD, 24, 16, left + 36, middle, 40, anchor="mm", table=table, row=index,
                       ink="accent" if row.highlight else "muted")
        out.fitted("name", row.name, FONT_BOLD if row.highlight else FONT_REGULAR, 26, 22, name_left, middle + 9,
                   track - 16, table=table, row=index, ink=strong)
        out.fitted("value", str(row.value), FONT_BOLD, 26, 18, value_right, middle + 9, 64, anchor="rs", table=table,
                   row=index, ink=strong)
        y += CARD_ROW_HEIGHT


def _dots(out: ChartBuilder, x: int, top: int, height: int) -> None:
    """A vertical ellipsis in the rank column: ranks are missing here."""
    for k in (-1, 0, 1):
        y = top + height // 2 + k * 7
        out.shape("gap", (x - 2, y - 2, x + 3, y + 3), round=True)

