"""Leaderboard images (bot/images/chart_layout.py, charts.py): the texts are where the layout
says, Chinese names are drawn, what the font cannot draw is left out, and the PNG is what
Telegram takes."""

import io

import pytest
from PIL import Image

from bot.images.chart_layout import (
    MAX_SECTIONS,
    WIDTH,
    ChartRow,
    ChartSection,
    layout_leaderboard,
)
from bot.images.charts import render_leaderboard

ROWS = [
    ChartRow(1, "Bob Chen", 30, "Shanghai Xintiandi"),
    ChartRow(1, "李娜", 30, "北京三里屯店"),
    ChartRow(3, "Maximiliana Alexandrovna Konstantinopolskaya-Wellington", 21, "Chengdu IFS"),
    ChartRow(4, "Zoë 😀 Müller\u202e", 2, "Paris Opera", highlight=True),
    ChartRow(None, "Wei", 0, "Shanghai Xintiandi"),
]
STORES = [ChartSection(f"Store {n}", (ChartRow(1, "Bob Chen", 3), ChartRow(2, "李娜", 1)), total=4) for n in range(3)]


def test_every_row_shows_its_rank_name_detail_and_count_in_order():
    layout = layout_leaderboard("Top recruiters today", ROWS, locale="en", subtitle="Maison · 2026-03-02")

    assert layout.texts_of("title") == ["Top recruiters today"]
    assert layout.texts_of("subtitle") == ["Maison · 2026-03-02"]
    assert layout.texts_of("rank") == ["1", "1", "3", "4"], "Wei recruited nobody: listed last, without a rank"
    assert layout.texts_of("value") == ["30", "30", "21", "2", "0"]
    assert layout.texts_of("detail")[:2] == ["Shanghai Xintiandi", "北京三里屯店"]
    names = layout.texts_of("name")
    assert names[:2] == ["Bob Chen", "李娜"]
    assert names[2].startswith("Maximiliana") and names[2].endswith("…")  # too wide: cut, not overflowing
    assert layout.texts_of("column") == ["Associate", "New members"]
    rows_top = [t.box[1] for t in layout.texts if t.role == "value"]
    assert rows_top == sorted(rows_top)


def test_what_the_font_cannot_draw_is_left_out_and_named():
    layout = layout_leaderboard("Top", ROWS, locale="en")
    assert layout.texts_of("name")[3] == "Zoë Müller"  # no emoji box, no bidi override
    assert "😀" in layout.dropped and "\u202e" not in layout.texts_of("name")[3]


def test_every_text_stays_on_the_canvas_and_inside_its_column():
    layout = layout_leaderboard("A very long title " * 8, ROWS, locale="en", subtitle="x" * 300, sections=STORES)
    width, height = layout.size
    for text in layout.texts:
        x0, y0, x1, y1 = text.box
        assert 0 <= x0 < x1 <= width and 0 <= y0 < y1 <= height, text
    names = [t for t in layout.texts if t.role == "name" and t.table == -1]
    assert all(t.box[2] <= names[0].at[0] + 400 for t in names)


def test_the_readers_row_stands_out():
    layout = layout_leaderboard("Top", ROWS, locale="en")
    highlighted = {t.text for t in layout.texts if t.row == 3 and t.ink == "accent"}
    assert {"Zoë Müller", "2", "4"} <= highlighted
    assert any(shape.style == "highlight" for shape in layout.shapes)
    assert any(shape.style == "bar_highlight" for shape in layout.shapes)


def test_store_tables_follow_the_ranking_with_their_titles_and_totals():
    layout = layout_leaderboard("Top", ROWS[:2], locale="en", sections=STORES)

    assert layout.texts_of("section") == ["Store 0", "Store 1", "Store 2"]
    assert layout.texts_of("section_total") == ["4", "4", "4"]
    assert layout.texts_of("name", table=1) == ["Bob Chen", "李娜"]
    main_bottom = max(t.box[3] for t in layout.texts if t.table == -1)
    assert all(t.box[1] > main_bottom for t in layout.texts if t.table >= 0)


def test_chinese_labels_and_an_empty_board():
    layout = layout_leaderboard("今天招募排行", [], locale="zh-Hans", subtitle="美丽珠宝 · 2026-03-02")
    assert layout.texts_of("column") == ["导购", "新会员"]
    assert layout.texts_of("empty") == ["暂无新会员"]
    assert layout.texts_of("title") == ["今天招募排行"] and layout.dropped == frozenset()


def test_a_chart_holds_a_bounded_number_of_store_tables():
    with pytest.raises(ValueError):
        layout_leaderboard("Top", [], locale="en", sections=[STORES[0]] * (MAX_SECTIONS + 1))
    tallest = layout_leaderboard("Top", ROWS * 3, locale="en", sections=[ChartSection("S", (ROWS[0],) * 10, 1)] * MAX_SECTIONS)
    assert tallest.size[1] <= 10_000 and tallest.size[1] / WIDTH <= 20  # Telegram's photo limits


@pytest.mark.parametrize("colour", ["#8C1D40", "#F2C94C", "#FFFFFF", "#000000"])
def test_the_png_is_the_laid_out_size_in_any_brand_colour(colour):
    png = render_leaderboard("Top recruiters today", ROWS, locale="en", brand_colour=colour, subtitle="Maison", sections=STORES)

    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    assert image.size == layout_leaderboard("Top recruiters today", ROWS, locale="en", subtitle="Maison", sections=STORES).size
    assert len(png) < 10 * 1024 * 1024  # sendPhoto's limit


def test_the_header_is_painted_in_the_brand_colour():
    image = Image.open(io.BytesIO(render_leaderboard("Top", ROWS, locale="en", brand_colour="#8C1D40"))).convert("RGB")
    assert image.getpixel((WIDTH - 5, 5)) == (0x8C, 0x1D, 0x40)


def test_a_malformed_brand_colour_is_refused():
    with pytest.raises(ValueError):
        render_leaderboard("Top", ROWS, locale="en", brand_colour="red")


def test_a_row_after_left_out_ones_is_set_apart_by_a_vertical_ellipsis():
    together = layout_leaderboard("Top", ROWS[:3], locale="en")
    apart = layout_leaderboard("Top", [*ROWS[:2], ChartRow(50, "Me", 0, "Paris", highlight=True, after_gap=True)], locale="en")

    assert sum(shape.style == "gap" for shape in apart.shapes) == 3
    assert not any(shape.style == "gap" for shape in together.shapes)
    assert apart.size[1] > together.size[1]
