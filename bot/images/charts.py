"""Leaderboard images, drawn: the layout of bot/images/chart_layout.py painted in the
brand's colours and encoded as a PNG that Telegram takes as a photo.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw

from bot.images.chart_layout import ChartRow, ChartSection, layout_leaderboard
from bot.images.chart_text import Box, chart_font
from bot.images.colours import INK, PAPER, Rgb, contrast, parse_colour, readable_on
from bot.images.poster_layout import MUTED

PNG_COMPRESS_LEVEL = 6
MEDALS: dict[str, Rgb] = {"medal1": (201, 151, 0), "medal2": (140, 148, 158), "medal3": (176, 107, 58)}


def render_leaderboard(
    title: str,
    rows: Sequence[ChartRow],
    *,
    locale: str,
    brand_colour: str,
    subtitle: str = "",
    sections: Sequence[ChartSection] = (),
) -> bytes:
    """The chart as PNG bytes, ready to send as a photo."""
    layout = layout_leaderboard(title, rows, locale=locale, subtitle=subtitle, sections=sections)
    colours = _colours(parse_colour(brand_colour))
    canvas = Image.new("RGB", layout.size, colours["page"])
    draw = ImageDraw.Draw(canvas)
    for shape in layout.shapes:
        fill = colours[shape.style]
        if shape.round:
            _pill(canvas, draw, shape.box, fill)
        else:
            draw.rectangle((shape.box[0], shape.box[1], shape.box[2] - 1, shape.box[3] - 1), fill=fill)
    for text in layout.texts:
        draw.text(text.at, text.text, font=chart_font(Path(text.font_path), text.font_size), anchor=text.anchor,
                  fill=colours[text.ink])
    # Few flat colours plus anti-aliasing: a 256-colour palette keeps them, and an indexed
    # PNG is a third of the size and encodes several times faster than an RGB one.
    indexed = canvas.quantize(256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
    out = io.BytesIO()
    indexed.save(out, "PNG", compress_level=PNG_COMPRESS_LEVEL)
    return out.getvalue()


def _colours(brand: Rgb) -> dict[str, Rgb]:
    on_brand = readable_on(brand)
    readable = contrast(brand, PAPER) >= 3.0  # pale brand colours give way to ink for text
    accent = brand if readable else INK
    return {
        "page": _mix(PAPER, brand, 0.04),
        "header": brand,
        "on_header": on_brand,
        "on_header_muted": _mix(brand, on_brand, 0.78),
        "stripe": _mix(PAPER, brand, 0.07),
        "highlight": _mix(PAPER, brand, 0.18),
        "track": _mix(PAPER, brand, 0.12),
        "bar": _mix(brand, PAPER, 0.28) if readable else brand,
        "bar_highlight": accent,
        "card": PAPER,
        "card_edge": _mix(PAPER, brand, 0.14),
        "card_bar": _mix(PAPER, brand, 0.10),
        "card_bar_highlight": _mix(PAPER, brand, 0.24),
        "rule": _mix(PAPER, brand, 0.16) if brand != PAPER else (230, 230, 230),
        "gap": _mix(PAPER, MUTED, 0.6),
        "ink": INK,
        "muted": MUTED,
        "accent": accent,
        "on_medal": PAPER,
        **MEDALS,
    }


def _pill(canvas: Image.Image, draw: ImageDraw.ImageDraw, box: Box, fill: Rgb) -> None:
    """A rounded bar (or a disc when square) with anti-aliased ends."""
    x0, y0, x1, y1 = box
    height = y1 - y0
    if x1 - x0 < height:
        x1 = x0 + height
    disc = _disc(height)
    ink = Image.new("RGB", (height, height), fill)
    radius = height // 2
    canvas.paste(ink.crop((0, 0, radius, height)), (x0, y0), disc.crop((0, 0, radius, height)))
    canvas.paste(ink.crop((radius, 0, height, height)), (x1 - height + radius, y0), disc.crop((radius, 0, height, height)))
    if x1 - x0 > height:
        draw.rectangle((x0 + radius, y0, x1 - (height - radius) - 1, y1 - 1), fill=fill)


@lru_cache(maxsize=16)
def _disc(diameter: int) -> Image.Image:
    """An anti-aliased disc mask: drawn four times larger and scaled down."""
    big = Image.new("L", (diameter * 4, diameter * 4), 0)
    ImageDraw.Draw(big).ellipse((0, 0, diameter * 4 - 1, diameter * 4 - 1), fill=255)
    return big.resize((diameter, diameter), Image.Resampling.LANCZOS)


def _mix(a: Rgb, b: Rgb, share_of_b: float) -> Rgb:
    return tuple(round(x + (y - x) * share_of_b) for x, y in zip(a, b))  # type: ignore[return-value]
