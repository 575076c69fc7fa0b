"""What each person sees of the recruitment leaderboard, in their language: their own line,
the ranking images and their captions. The daily job and /leaderboard share it.

- an associate: "You recruited 30 new members today, #1 of 212 associates. Well done!";
  with no recruit, an encouraging line and no rank (a last place helps nobody);
- on demand, an associate also gets one image: the brand's top list, then their store's,
  their own row highlighted (added under the top list when they are not in it);
- a store manager: their store's top list;
- HQ: the brand's top list with the best stores' top 3 under it, then the other stores,
  MAX_SECTIONS to an image.

Images are PNG bytes laid out by bot/images/chart_layout.py and drawn by charts.py, CPU
work: `Artist` (the drawing port of commerce.leaderboard_sends) runs them in a worker thread. commerce keeps each as
a blob for ``leaderboard_image_days`` (a setting) after it was last queued.
"""

from __future__ import annotations

import asyncio
import html

from bot.images.chart_layout import MAX_SECTIONS, ChartRow, ChartSection
from bot.images.charts import render_leaderboard
from bot.interface.i18n import Catalog
from commerce.images import Picture
from commerce.leaderboard import Board, Standing, Window

STORE_ROWS = 3  # associates per store in HQ's overview
FIRST_PAGE_STORES = 6  # store tables under the brand's top list in HQ's first image


class Artist:
    """The leaderboard's images for commerce.leaderboard_sends, drawn in a worker thread."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog

    async def associate(self, locale: str, board: Board, associate_id: int) -> Picture:
        return await asyncio.to_thread(associate_picture, self.catalog, locale, board, associate_id)

    async def store(self, locale: str, board: Board, store_id: int, reader_id: int) -> Picture:
        return await asyncio.to_thread(store_picture, self.catalog, locale, board, store_id, reader_id)

    async def brand(self, locale: str, board: Board) -> list[Picture]:
        return await asyncio.to_thread(brand_pictures, self.catalog, locale, board)


def standing_text(catalog: Catalog, locale: str, board: Board, associate_id: int) -> str:
    """The associate's own result, titled with the period."""
    t = catalog.text
    period = _period(catalog, locale, board)
    title = t(locale, "leaderboard.your_title", period=period, dates=dates(board.window))
    standing = board.standings.of(associate_id)
    if standing is None or standing.rank is None:  # no recruit: no rank, an encouraging line
        return f"{title}\n{t(locale, 'leaderboard.standing_zero', period=period)}"
    cheer = _plain(t(locale, f"leaderboard.cheer_{_cheer(standing.rank)}"))
    common = {"period": period, "rank": standing.rank, "total": board.standings.total, "cheer": cheer}
    if standing.recruits == 1:
        line = t(locale, "leaderboard.standing_one", **common)
    else:
        line = t(locale, "leaderboard.standing_many", count=standing.recruits, **common)
    return f"{title}\n{line}"


def associate_picture(catalog: Catalog, locale: str, board: Board, associate_id: int) -> Picture:
    """The brand's top list and the associate's store's, captioned with their own result."""
    standings = board.standings
    own = standings.of(associate_id)
    sections = []
    if own is not None:
        store = standings.store(own.store_id)
        store_rows = chart_rows(standings.store_top(own.store_id), associate_id, ranked=standings.by_store.get(own.store_id, ()))
        sections.append(ChartSection(own.store_name, tuple(store_rows), store.recruits if store else None))
    rows = chart_rows(standings.top(), associate_id, detail=True, ranked=standings.rows)
    png = render_leaderboard(_title(catalog, locale, board), rows, locale=locale, brand_colour=board.brand.colour,
                             subtitle=_subtitle(catalog, locale, board, board.brand.name), sections=sections)
    return Picture(png, standing_text(catalog, locale, board, associate_id), _filename(board))


def store_picture(catalog: Catalog, locale: str, board: Board, store_id: int, reader_id: int | None = None) -> Picture:
    """A store manager's view: the store's top list."""
    standings = board.standings
    store = standings.store(store_id)
    name = store.name if store else ""
    ranked = standings.by_store.get(store_id, ())
    rows = chart_rows(standings.store_top(store_id), reader_id, ranked=ranked)
    png = render_leaderboard(_title(catalog, locale, board), rows, locale=locale, brand_colour=board.brand.colour,
                             subtitle=_subtitle(catalog, locale, board, name))
    caption = catalog.text(
        locale, "leaderboard.caption_store", store=name, period=_period(catalog, locale, board), dates=dates(board.window),
        count=sum(row.recruits for row in ranked), recruiters=sum(1 for row in ranked if row.recruits), total=len(ranked),
    )
    return Picture(png, caption, _filename(board))


def brand_pictures(catalog: Catalog, locale: str, board: Board) -> list[Picture]:
    """HQ's view: the brand's top list with the first stores' top 3, then the other stores."""
    standings, brand = board.standings, board.brand
    t, period, when = catalog.text, _period(catalog, locale, board), dates(board.window)
    cards = [ChartSection(store.name, tuple(chart_rows(standings.store_top(store.store_id, STORE_ROWS))), store.recruits)
             for store in standings.stores]
    caption = t(locale, "leaderboard.caption_brand", period=period, dates=when, count=standings.recruits,
                recruiters=standings.recruiters, total=standings.total)
    first = render_leaderboard(_title(catalog, locale, board), chart_rows(standings.top(), detail=True), locale=locale,
                               brand_colour=brand.colour, subtitle=_subtitle(catalog, locale, board, brand.name),
                               sections=cards[:FIRST_PAGE_STORES])
    pictures = [Picture(first, caption, _filename(board))]
    for start in range(FIRST_PAGE_STORES, len(cards), MAX_SECTIONS):
        page = cards[start:start + MAX_SECTIONS]
        numbers = {"first": start + 1, "last": start + len(page), "count": len(cards)}
        title = _plain(t(locale, "leaderboard.chart_more_stores", period=period, **numbers))
        png = render_leaderboard(title, [], locale=locale, brand_colour=brand.colour,
                                 subtitle=_subtitle(catalog, locale, board, brand.name), sections=page)
        pictures.append(Picture(png, t(locale, "leaderboard.caption_more_stores", dates=when, **numbers), _filename(board)))
    return pictures


def dates(window: Window) -> str:
    """"2026-03-02", or "2026-02-23 – 2026-03-01" for a longer period (ISO: no locale reads it wrong)."""
    if window.first_day == window.last_day:
        return window.first_day.isoformat()
    return f"{window.first_day.isoformat()} – {window.last_day.isoformat()}"


def _cheer(rank: int) -> str:
    return "first" if rank == 1 else "podium" if rank <= 3 else "keep_going"


def chart_rows(
    top: tuple[Standing, ...], highlight: int | None = None, *, detail: bool = False, ranked: tuple[Standing, ...] = (),
) -> list[ChartRow]:
    """The top list as chart rows. Given the whole ranking, the reader's own row is added
    under the list when it is not in it, set apart unless it comes right after."""
    def row_of(standing: Standing, after_gap: bool = False) -> ChartRow:
        return ChartRow(standing.rank, standing.name, standing.recruits, standing.store_name if detail else "",
                        standing.associate_id == highlight, after_gap)

    rows = [row_of(standing) for standing in top]
    if highlight is None or any(standing.associate_id == highlight for standing in top):
        return rows
    own = next((standing for standing in ranked if standing.associate_id == highlight), None)
    if own is not None:
        rows.append(row_of(own, after_gap=ranked.index(own) != len(top)))
    return rows


def _period(catalog: Catalog, locale: str, board: Board) -> str:
    return _plain(catalog.text(locale, f"leaderboard.period_{board.window.period.value}"))


def _title(catalog: Catalog, locale: str, board: Board) -> str:
    return _plain(catalog.text(locale, "leaderboard.chart_title", period=_period(catalog, locale, board)))


def _subtitle(catalog: Catalog, locale: str, board: Board, place: str) -> str:
    return _plain(catalog.text(locale, "leaderboard.chart_subtitle", place=place, dates=dates(board.window)))


def _plain(escaped: str) -> str:
    """Catalog texts are HTML (parameters escaped); an image wants the characters themselves."""
    return html.unescape(escaped)


def _filename(board: Board) -> str:
    return f"leaderboard-{board.window.period.value}-{board.window.first_day.isoformat()}.png"
