"""An associate's QR poster, drawn: the printed card a shopper scans to join and meet them.

The poster is laid out first (bot/images/poster_layout.py) and drawn here. Everything that
does not depend on the associate (fonts, the brand header, the QR card and its shadow) is
cached per process: a thousand posters take about ten seconds on two cores."""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

from PIL import Image, ImageDraw, ImageFilter

from bot.images.colours import INK, PAPER, Rgb, contrast, parse_colour, readable_on
from bot.images.poster_layout import (
    CARD,
    DPI,
    FONT_REGULAR,
    FOOTER_TOP,
    HEADER_HEIGHT,
    HEIGHT,
    LOGO_BOX,
    MUTED,
    WIDTH,
    PosterSpec,
    TextBox,
    layout_poster,
    loaded_font,
    module_px,
    qr_matrix,
)

JPEG_QUALITY = 88
PNG_COMPRESS_LEVEL = 6
QR_DARK = (0, 0, 0)  # pure black on white: the most forgiving contrast for phone cameras
BODY_TINT = 0.06  # share of the brand colour in the page background
RAMP_STEPS = 17  # anti-aliasing shades per text colour kept exactly in a PNG's palette
SHADOW_ALPHA = 46  # darkest point of the card's drop shadow, out of 255


def render_poster(spec: PosterSpec, fmt: Literal["PNG", "JPEG"] = "PNG") -> bytes:
    """The poster as PNG or JPEG bytes, ready to send as a photo or a document."""
    if fmt not in ("PNG", "JPEG"):
        raise ValueError(f"unsupported poster format {fmt!r}")
    layout = layout_poster(spec)
    logo = (str(spec.logo_path), spec.logo_path.stat().st_mtime_ns) if spec.logo_path else None
    look = _look(parse_colour(spec.brand_colour), layout.text("brand"), logo)
    canvas = look.template.copy()
    canvas.paste(_qr_image(spec.deep_link, look.qr), layout.qr_box[:2])
    for box in layout.texts:
        if box.role == "short_code":
            _paint_short_code(canvas, box, spec.short_code, look)
        elif box.role != "brand":
            _paint_text(canvas, box, look.ramps[box.role])
    out = io.BytesIO()
    if fmt == "PNG":
        canvas.save(out, "PNG", optimize=False, compress_level=PNG_COMPRESS_LEVEL, dpi=(DPI, DPI))
    else:
        canvas.convert("RGB").save(out, "JPEG", quality=JPEG_QUALITY, subsampling=0, dpi=(DPI, DPI))
    return out.getvalue()


Lut = tuple[int, ...]  # palette index for each coverage value 0..255


_ANY_COVERAGE = [0] + [255] * 255


@dataclass(frozen=True)
class _Look:
    """One brand's poster background, cached, and the ramps to paint texts on it."""

    template: Image.Image  # mode "P"
    ramps: dict[str, Lut]  # by text role
    qr: Lut  # 0 -> dark module, 255 -> light module


class _Palette:
    def __init__(self) -> None:
        self.colours: list[Rgb] = []

    def add(self, rgb: Rgb) -> int:
        self.colours.append(rgb)
        return len(self.colours) - 1

    def ramp(self, ink: Rgb, ground: Rgb, steps: int = RAMP_STEPS, strength: float = 1.0) -> Lut:
        first = len(self.colours)
        self.colours += [_mix(ground, ink, strength * step / steps) for step in range(steps + 1)]
        return tuple(first + round(coverage * steps / 255) for coverage in range(256))

    def flat(self) -> list[int]:
        return [channel for rgb in self.colours for channel in rgb]


@lru_cache(maxsize=16)
def _look(colour: Rgb, brand: TextBox | None, logo: tuple[str, int] | None) -> _Look:
    """Everything but the associate: background, brand header, QR card, footer."""
    tint, on_colour = _tint(colour, BODY_TINT), readable_on(colour)
    palette = _Palette()
    indices = {name: palette.add(rgb) for name, rgb in
               [("tint", tint), ("brand", colour), ("rule", _header_rule(colour)), ("paper", PAPER), ("dark", QR_DARK),
                ("ornament", _mix(colour, on_colour, 0.6))]}
    on_tint, on_paper = palette.ramp(MUTED, tint), palette.ramp(MUTED, PAPER)
    ramps = {
        "associate": palette.ramp(INK, tint), "store": on_tint, "subtitle": on_tint,
        "cta": palette.ramp(_accent(colour), tint), "short_code": palette.ramp(INK, PAPER), "label": on_paper,
        "brand": palette.ramp(on_colour, colour),
    }
    ramps["link"] = ramps["brand"]
    shadow = palette.ramp((0, 0, 0), tint, steps=SHADOW_ALPHA, strength=SHADOW_ALPHA / 255)
    card_edge = palette.ramp(PAPER, _mix(tint, (0, 0, 0), SHADOW_ALPHA / 510))  # over the shadow's middle

    canvas = Image.new("P", (WIDTH, HEIGHT), indices["tint"])
    _paint_card(canvas, shadow, card_edge)
    draw = ImageDraw.Draw(canvas)
    draw.rectangle((0, 0, WIDTH, HEADER_HEIGHT), fill=indices["brand"])
    draw.rectangle((0, HEADER_HEIGHT, WIDTH, HEADER_HEIGHT + 6), fill=indices["rule"])
    draw.rectangle((0, FOOTER_TOP, WIDTH, HEIGHT), fill=indices["brand"])
    if brand is not None:
        _paint_brand(canvas, brand, ramps["brand"])
        rule_y = brand.box[3] + 14
        draw.rectangle((WIDTH // 2 - 28, rule_y, WIDTH // 2 + 28, rule_y + 2), fill=indices["ornament"])
    if logo is not None:
        _paint_logo(canvas, Path(logo[0]), colour, palette)
    canvas.putpalette(palette.flat())
    qr = tuple(indices["dark"] if value < 128 else indices["paper"] for value in range(256))
    return _Look(canvas, ramps, qr)


def _paint(canvas: Image.Image, coverage: Image.Image, at: tuple[int, int], lut: Lut) -> None:
    """Paint where ``coverage`` (mode "L") is not zero, each pixel in its ramp shade."""
    shades = Image.frombytes("P", coverage.size, coverage.point(list(lut)).tobytes())
    canvas.paste(shades, at, coverage.point(_ANY_COVERAGE))


def _paint_text(canvas: Image.Image, box: TextBox, lut: Lut) -> None:
    font = loaded_font(Path(box.font_path), box.font_size)
    x0, y0, _, _ = font.getbbox(box.text, anchor="mm")
    pad = 4
    coverage = Image.new("L", (box.box[2] - box.box[0] + 2 * pad, box.box[3] - box.box[1] + 2 * pad))
    # Draw from the anchor the layout measured with, so the ink lands exactly in box.
    ImageDraw.Draw(coverage).text((pad - x0, pad - y0), box.text, font=font, fill=255, anchor="mm")
    _paint(canvas, coverage, (box.box[0] - pad, box.box[1] - pad), lut)


def _paint_short_code(canvas: Image.Image, box: TextBox, code: str, look: _Look) -> None:
    """The label in grey and the code itself in ink, as one centred line."""
    font = loaded_font(Path(box.font_path), box.font_size)
    split = len(box.text) - len(code) if box.text.endswith(code) else len(box.text)
    label, value = box.text[:split], box.text[split:]
    x0, y0, _, _ = font.getbbox(box.text, anchor="la")
    pad = 4
    size = (box.box[2] - box.box[0] + 2 * pad, box.box[3] - box.box[1] + 2 * pad)
    at = (box.box[0] - pad, box.box[1] - pad)
    for text, offset, face, lut in [
        (label, 0.0, loaded_font(FONT_REGULAR, box.font_size), look.ramps["label"]),
        (value, font.getlength(label), font, look.ramps["short_code"]),
    ]:
        coverage = Image.new("L", size)
        ImageDraw.Draw(coverage).text((pad - x0 + offset, pad - y0), text, font=face, fill=255, anchor="la")
        _paint(canvas, coverage, at, lut)


def _paint_brand(canvas: Image.Image, brand: TextBox, lut: Lut) -> None:
    font = loaded_font(Path(brand.font_path), brand.font_size)
    coverage = Image.new("L", (WIDTH, HEADER_HEIGHT))
    draw, x = ImageDraw.Draw(coverage), float(brand.box[0])
    for char in brand.text:  # letter by letter: Pillow has no tracking of its own
        draw.text((x, brand.box[1]), char, font=font, fill=255, anchor="la")
        x += font.getlength(char) + brand.tracking
    _paint(canvas, coverage, (0, 0), lut)


def _paint_card(canvas: Image.Image, shadow: Lut, edge: Lut) -> None:
    """A white card with a soft drop shadow; drawn at 4x and scaled down, so the
    rounded corners are smooth."""
    scale, spread, radius = 4, 72, 28
    x0, y0, x1, y1 = CARD
    size = (x1 - x0 + 2 * spread, y1 - y0 + 2 * spread)
    at = (x0 - spread, y0 - spread)

    blur = Image.new("L", size, 0)
    ImageDraw.Draw(blur).rounded_rectangle((spread, spread + 12, size[0] - spread, size[1] - spread + 12), radius, fill=255)
    _paint(canvas, blur.filter(ImageFilter.GaussianBlur(18)), at, shadow)

    card = Image.new("L", (size[0] * scale, size[1] * scale), 0)
    inner = (spread * scale, spread * scale, (size[0] - spread) * scale - 1, (size[1] - spread) * scale - 1)
    ImageDraw.Draw(card).rounded_rectangle(inner, radius * scale, fill=255)
    _paint(canvas, card.resize(size, Image.Resampling.LANCZOS), at, edge)


def _paint_logo(canvas: Image.Image, path: Path, colour: Rgb, palette: _Palette) -> None:
    """The logo over the header colour, in the palette entries still free."""
    with Image.open(path) as source:
        logo = source.convert("RGBA")
    logo.thumbnail(LOGO_BOX, Image.Resampling.LANCZOS)
    flattened = Image.new("RGBA", logo.size, colour + (255,))
    flattened.alpha_composite(logo)
    free = 256 - len(palette.colours)
    quantized = flattened.convert("RGB").quantize(free, method=Image.Quantize.MEDIANCUT)
    own = quantized.getpalette() or []
    first = len(palette.colours)
    palette.colours += [tuple(own[3 * i : 3 * i + 3]) for i in range(len(own) // 3)][:free]  # type: ignore[misc]
    shifted = Image.frombytes("L", logo.size, quantized.tobytes()).point(lambda index: first + index)
    at = ((WIDTH - logo.width) // 2, 52 + (LOGO_BOX[1] - logo.height) // 2)
    canvas.paste(Image.frombytes("P", logo.size, shifted.tobytes()), at, logo.getchannel("A").point(_ANY_COVERAGE))


def _qr_image(deep_link: str, lut: Lut) -> Image.Image:
    """The symbol in palette indices: whole pixels per module, no anti-aliasing."""
    matrix = qr_matrix(deep_link)
    modules = len(matrix)
    small = Image.frombytes("L", (modules, modules), bytes(0 if dark else 255 for row in matrix for dark in row))
    side = modules * module_px(deep_link)
    big = small.resize((side, side), Image.Resampling.NEAREST).point(list(lut))
    return Image.frombytes("P", big.size, big.tobytes())


def _header_rule(colour: Rgb) -> Rgb:
    return _mix(colour, (0, 0, 0), 0.25)


def _accent(colour: Rgb) -> Rgb:
    """The call to action in the brand colour, unless that is too pale to read on paper."""
    return colour if contrast(colour, PAPER) >= 3.0 else INK


def _mix(a: Rgb, b: Rgb, share_of_b: float) -> Rgb:
    return tuple(round(x + (y - x) * share_of_b) for x, y in zip(a, b))  # type: ignore[return-value]


def _tint(colour: Rgb, strength: float) -> Rgb:
    return _mix(PAPER, colour, strength)
