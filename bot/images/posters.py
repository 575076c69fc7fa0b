"""An associate's QR poster: the printed card a shopper scans to join and meet them.

The poster is laid out first (``layout_poster``: which text goes where, at which size)
and drawn second (``render_poster``), so tests check placement from the layout instead
of comparing pixels. Everything that does not depend on the associate (fonts, the
brand header, the QR card and its shadow) is cached per process: a thousand posters
take about ten seconds on two cores.

Text is drawn with the shipped Noto Sans CJK SC subset (assets/fonts/README.md).
Characters the font lacks (emoji, hanzi of the CJK extension blocks) are left out rather
than printed as empty boxes; ``PosterLayout.dropped`` names them so the caller can tell the
associate. Invisible format characters (bidi overrides, zero-width joiners) never reach
the page: they could make a name read differently from what is stored.
"""

from __future__ import annotations

import io
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

import qrcode
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from bot.images.colours import INK, PAPER, Rgb, contrast, parse_colour, readable_on

ASSETS = Path(__file__).resolve().parents[2] / "assets"
FONT_REGULAR = ASSETS / "fonts" / "NotoSansCJKsc-Subset-Regular.otf"
FONT_BOLD = ASSETS / "fonts" / "NotoSansCJKsc-Subset-Bold.otf"
DEFAULT_LOGO = ASSETS / "brand" / "logo.png"

WIDTH, HEIGHT = 1080, 1620  # 2:3 portrait; 300 dpi makes it a 9 x 13.7 cm counter card
DPI = 300
MARGIN = 84
JPEG_QUALITY = 88
PNG_COMPRESS_LEVEL = 6

MUTED = (104, 104, 110)
QR_DARK = (0, 0, 0)  # pure black on white: the most forgiving contrast for phone cameras
BODY_TINT = 0.06  # share of the brand colour in the page background
RAMP_STEPS = 17  # anti-aliasing shades per text colour kept exactly in a PNG's palette
SHADOW_ALPHA = 46  # darkest point of the card's drop shadow, out of 255

SHORT_CODE_LABELS = {"en": "Code: ", "zh-Hans": "短码："}

Box = tuple[int, int, int, int]


@dataclass(frozen=True)
class PosterSpec:
    deep_link: str  # https://t.me/<consumer_bot>?start=<enrollment code>
    brand_name: str
    brand_colour: str  # "#RRGGBB"
    associate_name: str
    store_name: str
    short_code: str
    locale: Literal["en", "zh-Hans"]
    call_to_action: str  # e.g. "Join Maison Lumière"
    subtitle: str  # e.g. "Scan to join and chat with me"
    logo_path: Path | None = None  # see brand_logo()


@dataclass(frozen=True)
class TextBox:
    role: str  # brand, associate, store, short_code, cta, subtitle, link
    text: str  # what is drawn, after unprintable characters were left out
    box: Box  # (x0, y0, x1, y1) on the canvas
    font_path: str
    font_size: int
    tracking: int = 0  # extra pixels between characters


@dataclass(frozen=True)
class PosterLayout:
    size: tuple[int, int]
    texts: tuple[TextBox, ...]
    qr_box: Box  # the QR symbol including its quiet zone
    dropped: frozenset[str]  # characters left out because the font has no glyph for them

    def text(self, role: str) -> TextBox | None:
        return next((box for box in self.texts if box.role == role), None)


@dataclass(frozen=True)
class _Slot:
    """A horizontal band the text of one role is centred in, both ways."""

    centre: int
    font: Path
    max_size: int
    min_size: int
    max_width: int = WIDTH - 2 * MARGIN
    tracking_em: float = 0.0


HEADER_HEIGHT = 300
FOOTER_TOP = 1552
CARD = (190, 540, 890, 1290)  # white card holding the QR symbol and the short code
QR_SLOT = 640  # the QR symbol, quiet zone included, is the largest whole-module size within
QR_TOP = CARD[1] + 28
SLOTS: dict[str, _Slot] = {
    "associate": _Slot(centre=406, font=FONT_BOLD, max_size=84, min_size=44),
    "store": _Slot(centre=494, font=FONT_REGULAR, max_size=36, min_size=26),
    "short_code": _Slot(centre=1245, font=FONT_BOLD, max_size=38, min_size=26, max_width=CARD[2] - CARD[0] - 80),
    "cta": _Slot(centre=1384, font=FONT_BOLD, max_size=54, min_size=32),
    "subtitle": _Slot(centre=1458, font=FONT_REGULAR, max_size=34, min_size=24),
    "link": _Slot(centre=(FOOTER_TOP + HEIGHT) // 2, font=FONT_REGULAR, max_size=26, min_size=20),
}
BRAND_SLOT = _Slot(centre=HEADER_HEIGHT // 2, font=FONT_BOLD, max_size=58, min_size=30, tracking_em=0.14)
LOGO_BOX = (WIDTH - 2 * MARGIN, 104)  # the logo is scaled to fit, aspect kept


def brand_logo() -> Path | None:
    """The brand's logo shipped in assets/brand/, if the deployment added one."""
    return DEFAULT_LOGO if DEFAULT_LOGO.is_file() else None


def layout_poster(spec: PosterSpec) -> PosterLayout:
    """Where every text goes and at which size; nothing is drawn."""
    brand, dropped_from_brand = _brand_box(spec.brand_name, spec.logo_path is not None)
    dropped = set(dropped_from_brand)
    texts = [brand]
    label = SHORT_CODE_LABELS.get(spec.locale, SHORT_CODE_LABELS["en"])
    contents = {
        "associate": spec.associate_name,
        "store": spec.store_name,
        "short_code": label + spec.short_code if spec.short_code.strip() else "",
        "cta": spec.call_to_action,
        "subtitle": spec.subtitle,
        "link": _link_caption(spec.deep_link),
    }
    for role, raw in contents.items():
        box = _centred_box(role, raw, SLOTS[role], dropped)
        if box is not None:
            texts.append(box)
    qr_side = _qr_modules(spec.deep_link) * _module_px(spec.deep_link)
    qr_left = (WIDTH - qr_side) // 2
    qr_top = QR_TOP + (QR_SLOT - qr_side) // 2
    return PosterLayout(
        size=(WIDTH, HEIGHT),
        texts=tuple(box for box in texts if box is not None),
        qr_box=(qr_left, qr_top, qr_left + qr_side, qr_top + qr_side),
        dropped=frozenset(dropped),
    )


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


def missing_glyphs(text: str, font_path: str | Path) -> set[str]:
    """Characters of ``text`` that the font cannot draw (whitespace aside)."""
    cmap = _codepoints(str(font_path))
    return {char for char in text if ord(char) not in cmap and not char.isspace()}


# --- layout ---------------------------------------------------------------------------


@lru_cache(maxsize=16)
def _brand_box(brand_name: str, with_logo: bool) -> tuple[TextBox | None, frozenset[str]]:
    """The brand name with tracking, measured letter by letter: once per brand."""
    dropped: set[str] = set()
    text = _printable(brand_name, BRAND_SLOT.font, dropped)
    if not text:
        return None, frozenset(dropped)
    size, text, tracking = _fit(text, BRAND_SLOT)
    width = _tracked_width(text, BRAND_SLOT.font, size, tracking)
    font = _font(BRAND_SLOT.font, size)
    ascent, descent = font.getmetrics()
    # Centre the ink of the name, and the short rule under it, in the band below the logo.
    band_top, band_bottom = (LOGO_BOX[1] + 64, HEADER_HEIGHT - 30) if with_logo else (0, HEADER_HEIGHT - 20)
    cap_top, baseline = _ink_extent(font)
    top = (band_top + band_bottom) // 2 - (cap_top + baseline) // 2
    left = (WIDTH - width) // 2
    box = (left, top, left + width, top + ascent + descent)
    return TextBox("brand", text, box, str(BRAND_SLOT.font), size, tracking), frozenset(dropped)


def _centred_box(role: str, raw: str, slot: _Slot, dropped: set[str]) -> TextBox | None:
    text = _printable(raw, slot.font, dropped)
    if not text:
        return None
    size, text, tracking = _fit(text, slot)
    font = _font(slot.font, size)
    x0, y0, x1, y1 = font.getbbox(text, anchor="mm")
    x, y = WIDTH // 2, slot.centre
    return TextBox(role, text, (x + x0, y + y0, x + x1, y + y1), str(slot.font), size, tracking)


def _printable(raw: str, font: Path, dropped: set[str]) -> str:
    text = unicodedata.normalize("NFC", raw)
    kept = []
    for char in text:
        if char.isspace():
            kept.append(" ")
        elif unicodedata.category(char).startswith("C"):
            continue  # control and format characters: bidi overrides, zero-width joiners
        elif ord(char) in _codepoints(str(font)):
            kept.append(char)
        else:
            dropped.add(char)
    return " ".join("".join(kept).split())


def _fit(text: str, slot: _Slot) -> tuple[int, str, int]:
    """The largest size at which ``text`` fits the slot; at the smallest, an ellipsis."""
    width = _tracked_width(text, slot.font, slot.max_size, round(slot.max_size * slot.tracking_em))
    size = slot.max_size if width <= slot.max_width else max(slot.min_size, int(slot.max_size * slot.max_width / width))
    while True:
        tracking = round(size * slot.tracking_em)
        if _tracked_width(text, slot.font, size, tracking) <= slot.max_width:
            return size, text, tracking
        if size <= slot.min_size:
            return size, _ellipsised(text, slot.font, size, tracking, slot.max_width), tracking
        size -= 1


def _ellipsised(text: str, font: Path, size: int, tracking: int, max_width: int) -> str:
    low, high = 0, len(text)  # longest prefix that fits with the ellipsis
    while low < high:
        middle = (low + high + 1) // 2
        if _tracked_width(text[:middle].rstrip() + "…", font, size, tracking) <= max_width:
            low = middle
        else:
            high = middle - 1
    return text[:low].rstrip() + "…"


def _tracked_width(text: str, font: Path, size: int, tracking: int) -> int:
    loaded = _font(font, size)
    if not tracking:
        return int(loaded.getlength(text) + 0.999)
    return int(sum(loaded.getlength(char) for char in text) + tracking * (len(text) - 1) + 0.999)


def _link_caption(deep_link: str) -> str:
    """"t.me/SomeBot": where to find the bot when the camera is not at hand."""
    parts = urlsplit(deep_link)
    return (parts.netloc + parts.path).rstrip("/")


# --- drawing --------------------------------------------------------------------------
# Posters are painted straight into a 256-colour palette. Each text colour over its
# background has a ramp of anti-aliasing shades and the card shadow has every one of
# its shades, so a glyph's coverage picks a palette entry directly: flat colours stay
# exact, and an indexed PNG encodes three times faster than an RGB one.

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
    font = _font(Path(box.font_path), box.font_size)
    x0, y0, _, _ = font.getbbox(box.text, anchor="mm")
    pad = 4
    coverage = Image.new("L", (box.box[2] - box.box[0] + 2 * pad, box.box[3] - box.box[1] + 2 * pad))
    # Draw from the anchor the layout measured with, so the ink lands exactly in box.
    ImageDraw.Draw(coverage).text((pad - x0, pad - y0), box.text, font=font, fill=255, anchor="mm")
    _paint(canvas, coverage, (box.box[0] - pad, box.box[1] - pad), lut)


def _paint_short_code(canvas: Image.Image, box: TextBox, code: str, look: _Look) -> None:
    """The label in grey and the code itself in ink, as one centred line."""
    font = _font(Path(box.font_path), box.font_size)
    split = len(box.text) - len(code) if box.text.endswith(code) else len(box.text)
    label, value = box.text[:split], box.text[split:]
    x0, y0, _, _ = font.getbbox(box.text, anchor="la")
    pad = 4
    size = (box.box[2] - box.box[0] + 2 * pad, box.box[3] - box.box[1] + 2 * pad)
    at = (box.box[0] - pad, box.box[1] - pad)
    for text, offset, face, lut in [
        (label, 0.0, _font(FONT_REGULAR, box.font_size), look.ramps["label"]),
        (value, font.getlength(label), font, look.ramps["short_code"]),
    ]:
        coverage = Image.new("L", size)
        ImageDraw.Draw(coverage).text((pad - x0 + offset, pad - y0), text, font=face, fill=255, anchor="la")
        _paint(canvas, coverage, at, lut)


def _paint_brand(canvas: Image.Image, brand: TextBox, lut: Lut) -> None:
    font = _font(Path(brand.font_path), brand.font_size)
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


@lru_cache(maxsize=64)
def _qr_matrix(deep_link: str) -> tuple[tuple[bool, ...], ...]:
    # Level Q survives a scuffed or partly covered counter card; 4 modules of quiet zone
    # is what the standard asks for and what cheap phone cameras need.
    symbol = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_Q, border=4)
    symbol.add_data(deep_link)
    symbol.make(fit=True)
    return tuple(tuple(row) for row in symbol.get_matrix())


def _qr_modules(deep_link: str) -> int:
    return len(_qr_matrix(deep_link))


def _module_px(deep_link: str) -> int:
    return max(1, QR_SLOT // _qr_modules(deep_link))  # whole pixels per module keep edges sharp


def _qr_image(deep_link: str, lut: Lut) -> Image.Image:
    """The symbol in palette indices: whole pixels per module, no anti-aliasing."""
    matrix = _qr_matrix(deep_link)
    modules = len(matrix)
    small = Image.frombytes("L", (modules, modules), bytes(0 if dark else 255 for row in matrix for dark in row))
    side = modules * _module_px(deep_link)
    big = small.resize((side, side), Image.Resampling.NEAREST).point(list(lut))
    return Image.frombytes("P", big.size, big.tobytes())


# --- fonts and colours ----------------------------------------------------------------


@lru_cache(maxsize=256)
def _font(path: Path, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(path), size)


@lru_cache(maxsize=64)
def _ink_extent(font: ImageFont.FreeTypeFont) -> tuple[int, int]:
    """Top of capitals and baseline, from the ascender line: to centre a name by its ink."""
    _, top, _, _ = font.getbbox("H", anchor="la")
    baseline = font.getmetrics()[0]
    return top, baseline


@lru_cache(maxsize=8)
def _codepoints(font_path: str) -> frozenset[int]:
    from fontTools.ttLib import TTFont  # only needed once per font and process

    with TTFont(font_path, lazy=True) as font:
        return frozenset(font.getBestCmap())


def _header_rule(colour: Rgb) -> Rgb:
    return _mix(colour, (0, 0, 0), 0.25)


def _accent(colour: Rgb) -> Rgb:
    """The call to action in the brand colour, unless that is too pale to read on paper."""
    return colour if contrast(colour, PAPER) >= 3.0 else INK


def _mix(a: Rgb, b: Rgb, share_of_b: float) -> Rgb:
    return tuple(round(x + (y - x) * share_of_b) for x, y in zip(a, b))  # type: ignore[return-value]


def _tint(colour: Rgb, strength: float) -> Rgb:
    return _mix(PAPER, colour, strength)
