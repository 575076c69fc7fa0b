"""What people read of the leaderboard (bot/interface/render/leaderboard.py), from the real catalogs:
the tone follows the result, a zero is never ranked, and HQ's images are split by stores."""

import io
from datetime import UTC, datetime

import pytest
from PIL import Image

from bot.images.chart_layout import MAX_SECTIONS
from bot.interface.i18n import Catalog
from bot.interface.render.leaderboard import (
    FIRST_PAGE_STORES,
    associate_picture,
    brand_pictures,
    chart_rows,
    dates,
    standing_text,
    store_picture,
)
from commerce.leaderboard import Board, Period, period_window, rank
from commerce.people import Associate, Brand, Store

NOW = datetime(2026, 3, 2, 13, 0, tzinfo=UTC)  # 21:00 in Shanghai
BRAND = Brand(name="Maison <Lumière> & Co", timezone="Asia/Shanghai", colour="#8C1D40", id=1)
XTD, SLT = Store(brand_id=1, code="SH1", name="Shanghai Xintiandi", id=1), Store(brand_id=1, code="BJ1", name="北京三里屯店", id=2)
TEAM = [Associate(store_id=store.id, display_name=name, short_code=name, id=n)
        for n, (name, store) in enumerate([("Bob", XTD), ("李娜", SLT), ("Wei", XTD), ("Ana", SLT), ("Zoe", XTD)], start=1)]


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog.load()


def board(counts: dict[int, int], period: Period = Period.TODAY, stores=(XTD, SLT), team=TEAM) -> Board:
    return Board(BRAND, period_window(period, NOW, BRAND.timezone), rank(counts, team, stores))


def test_the_leader_hears_well_done_with_their_count_and_rank(catalog):
    line = standing_text(catalog, "en", board({1: 30, 2: 3}), 1)
    assert "You recruited <b>30</b> new members today, #1 of 5 associates. Well done!" in line
    assert line.startswith("<b>Your recruitment today</b> · 2026-03-02")


def test_tied_associates_share_the_rank_and_one_recruit_is_singular(catalog):
    tied = board({1: 1, 2: 1, 3: 1, 4: 1})
    assert "You recruited <b>1</b> new member today, #1 of 5 associates. Well done!" in standing_text(catalog, "en", tied, 4)
    third = standing_text(catalog, "en", board({1: 9, 2: 9, 3: 2, 4: 1}), 4)
    assert "#4 of 5 associates. Every new member counts, keep going!" in third
    assert "#3 of 5 associates. Great work!" in standing_text(catalog, "en", board({1: 9, 2: 9, 3: 2}), 3)


def test_no_recruit_gets_encouragement_and_no_rank(catalog):
    line = standing_text(catalog, "en", board({1: 4}), 5)
    assert "No new members today so far" in line and "/qr" in line
    assert "#" not in line and "of 5" not in line


def test_chinese_readers_get_chinese_and_weeks_are_dated_by_their_range(catalog):
    weekly = board({2: 12}, Period.WEEK)
    line = standing_text(catalog, "zh-Hans", weekly, 2)
    assert "本周您招募了 <b>12</b> 位新会员，在 5 位导购中排名第 1。太棒了！" in line
    assert dates(weekly.window) == "2026-03-02 – 2026-03-08"


def test_the_associate_image_carries_their_standing_as_caption(catalog):
    picture = associate_picture(catalog, "en", board({1: 2, 2: 5}), 1)
    assert "#2 of 5 associates" in picture.caption
    assert Image.open(io.BytesIO(picture.png)).format == "PNG"
    assert picture.filename == "leaderboard-today-2026-03-02.png"


def test_the_store_caption_sums_the_store_and_escapes_its_name(catalog):
    tricky = Store(brand_id=1, code="X", name="Bob & <Sons>", id=1)
    picture = store_picture(catalog, "en", board({1: 2, 3: 1}, stores=(tricky, SLT)), 1, reader_id=1)
    assert picture.caption.startswith("<b>Bob &amp; &lt;Sons&gt;: top recruiters today</b>")
    assert "New members: <b>3</b> · associates recruiting: 2 of 3" in picture.caption


def test_hq_gets_one_image_for_a_few_stores_and_more_pages_for_many(catalog):
    assert len(brand_pictures(catalog, "en", board({1: 3}))) == 1

    stores = [Store(brand_id=1, code=f"S{n}", name=f"Store {n}", id=n) for n in range(1, 31)]
    team = [Associate(store_id=n, display_name=f"A{n}", short_code=f"A{n}", id=n) for n in range(1, 31)]
    pictures = brand_pictures(catalog, "en", board({n: n for n in range(1, 31)}, stores=stores, team=team))

    assert len(pictures) == 1 + -(-(30 - FIRST_PAGE_STORES) // MAX_SECTIONS)
    assert pictures[0].caption.startswith("<b>Top recruiters today</b> · 2026-03-02")
    assert "New members: <b>465</b> · associates recruiting: 30 of 30" in pictures[0].caption
    assert pictures[1].caption.startswith(f"<b>Stores {FIRST_PAGE_STORES + 1}–{FIRST_PAGE_STORES + MAX_SECTIONS} of 30</b>")
    assert pictures[-1].caption.startswith("<b>Stores 19–30 of 30</b>")


def test_the_readers_row_is_added_under_a_top_list_it_is_not_in_and_set_apart():
    ranking = board({n: 10 - n for n in range(1, 6)}).standings

    rows = chart_rows(ranking.top(2), 5, ranked=ranking.rows)
    assert [(row.rank, row.name, row.highlight, row.after_gap) for row in rows] == [
        (1, "Bob", False, False), (2, "李娜", False, False), (5, "Zoe", True, True),
    ]
    next_in_line = chart_rows(ranking.top(2), 3, ranked=ranking.rows)
    assert [(row.name, row.after_gap) for row in next_in_line][-1] == ("Wei", False)
    assert len(chart_rows(ranking.top(2), 1, ranked=ranking.rows)) == 2  # already in the list
