"""An associate's QR poster: the printed card a shopper scans to join and meet them.

The poster is laid out first (``layout_poster``: which text goes where, at which size)
and drawn second (``render_poster``), so tests check placement from the layout instead
of comparing pixels. Everything that does not depend on the associate (fonts, the
brand header, the QR card and its shadow) is cached per process, which keeps a
thousand posters to a few seconds.

Text is drawn with the shipped Noto Sans CJK SC subset (assets/fonts/README.md).
Characters the font lacks (emoji, rare hanzi outside GB2312) are left out rather than
printed as empty boxes; ``PosterLayout.dropped`` names them so the caller can tell the
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
from PIL import Image, ImageColor, ImageDraw, ImageFilter, ImageFont

ASSETS = Path(__file__).resolve().parents[1] / "assets"
FONT_REGULAR = ASSETS / "fonts" / "NotoSansCJKsc-Subset-Regular.otf"
FONT_BOLD = ASSETS / "fonts" / "NotoSansCJKsc-Subset-Bold.otf"
DEFAULT_LOGO = ASSETS / "brand" / "logo.png"

WIDTH, HEIGHT = 1080, 1620  # 2:3 portrait; 300 dpi makes it a 9 x 13.7 cm counter card
DPI = 300
MARGIN = 84
JPEG_QUALITY = 88
PNG_COMPRESS_LEVEL = 6

INK = (26, 26, 28)
MUTED = (104, 104, 110)
PAPER = (255, 255, 255)
QR_DARK = (0, 0, 0)  # pure black on white: the most forgiving contrast for phone cameras
BODY_TINT = 0.06  # share of the brand colour in the page background
RAMP_STEPS = 17  # anti-aliasing shades per text colour kept exactly in a PNG's palette
SHADOW_ALPHA = 46  # darkest point of the card's drop shadow, out of 255

SHORT_CODE_LABELS = {"en": "Code: ", "zh-Hans": "短码："}

Role = Literal["brand", "associate", "store", "short_code", "cta", "subtitle", "link"]
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
    role: str
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
    colour = _parse_colour(spec.brand_colour)
    logo = (str(spec.logo_path), spec.logo_path.stat().st_mtime_ns) if spec.logo_path else None
    look = (colour, layout.text("brand"), logo)
    canvas = _template(*look).copy()
    canvas.paste(_qr_image(spec.deep_link), layout.qr_box[:2])
    draw = ImageDraw.Draw(canvas)
    colours = {"associate": INK, "store": MUTED, "cta": _accent(colour), "subtitle": MUTED, "link": _on(colour)}
    for box in layout.texts:
        if box.role == "short_code":
            _draw_short_code(draw, box, spec.short_code)
        elif box.role != "brand":
            _draw_text(draw, box, colours[box.role])
    out = io.BytesIO()
    if fmt == "PNG":
        # An indexed PNG encodes three times faster than RGB and is half the size; the
        # palette holds every colour the poster can contain (see _png_palette).
        indexed = canvas.quantize(palette=_png_palette(*look), dither=Image.Dither.NONE)
        indexed.save(out, "PNG", optimize=False, compress_level=PNG_COMPRESS_LEVEL, dpi=(DPI, DPI))
    else:
        canvas.save(out, "JPEG", quality=JPEG_QUALITY, subsampling=0, dpi=(DPI, DPI))
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


def _draw_text(draw: ImageDraw.ImageDraw, box: TextBox, fill: tuple[int, int, int]) -> None:
    font = _font(Path(box.font_path), box.font_size)
    x0, y0, _, _ = font.getbbox(box.text, anchor="mm")
    # Draw at the anchor the layout measured from, so the ink lands exactly in box.
    draw.text((box.box[0] - x0, box.box[1] - y0), box.text, font=font, fill=fill, anchor="mm")


def _draw_short_code(draw: ImageDraw.ImageDraw, box: TextBox, code: str) -> None:
    """The label in grey and the code itself in ink, as one centred line."""
    font = _font(Path(box.font_path), box.font_size)
    split = len(box.text) - len(code) if box.text.endswith(code) else len(box.text)
    label, value = box.text[:split], box.text[split:]
    x0, y0, _, _ = font.getbbox(box.text, anchor="la")
    left, top = box.box[0] - x0, box.box[1] - y0
    draw.text((left, top), label, font=_font(FONT_REGULAR, box.font_size), fill=MUTED, anchor="la")
    draw.text((left + font.getlength(label), top), value, font=font, fill=INK, anchor="la")


@lru_cache(maxsize=16)
def _template(colour: tuple[int, int, int], brand: TextBox | None, logo: tuple[str, int] | None) -> Image.Image:
    """Everything but the associate: background, brand header, QR card, footer."""
    canvas = Image.new("RGB", (WIDTH, HEIGHT), _tint(colour, BODY_TINT))
    _draw_card(canvas)
    draw = ImageDraw.Draw(canvas)
    draw.rectangle((0, 0, WIDTH, HEADER_HEIGHT), fill=colour)
    draw.rectangle((0, HEADER_HEIGHT, WIDTH, HEADER_HEIGHT + 6), fill=_header_rule(colour))
    draw.rectangle((0, FOOTER_TOP, WIDTH, HEIGHT), fill=colour)
    if logo is not None:
        _paste_logo(canvas, Path(logo[0]))
    if brand is not None:
        ink = _on(colour)
        font = _font(Path(brand.font_path), brand.font_size)
        x = float(brand.box[0])
        for char in brand.text:
            draw.text((x, brand.box[1]), char, font=font, fill=ink, anchor="la")
            x += font.getlength(char) + brand.tracking
        rule_y = brand.box[3] + 14
        draw.rectangle((WIDTH // 2 - 28, rule_y, WIDTH // 2 + 28, rule_y + 2), fill=_mix(colour, ink, 0.6))
    return canvas


@lru_cache(maxsize=16)
def _png_palette(colour: tuple[int, int, int], brand: TextBox | None, logo: tuple[str, int] | None) -> Image.Image:
    """256 colours for one brand's posters: the flat colours exactly, the anti-aliasing
    ramps of every text colour over the background it is drawn on, and the template's
    own shades (card shadow, header lettering, logo) quantized into the rest."""
    tint, accent, on_colour = _tint(colour, BODY_TINT), _accent(colour), _on(colour)
    flats = list(dict.fromkeys([PAPER, QR_DARK, tint, colour, INK, MUTED, accent, on_colour, _header_rule(colour)]))
    ramps = []
    for ink, ground in [(INK, tint), (MUTED, tint), (accent, tint), (INK, PAPER), (MUTED, PAPER), (on_colour, colour)]:
        ramps += [_mix(ground, ink, step / RAMP_STEPS) for step in range(1, RAMP_STEPS)]
    ramps += [_mix(tint, (0, 0, 0), alpha / 255) for alpha in range(1, SHADOW_ALPHA + 1)]  # every shade, no banding
    template = _template(colour, brand, logo).quantize(256 - len(flats) - len(ramps), method=Image.Quantize.MEDIANCUT)
    flat = template.getpalette() or []
    used = sorted(index for _, index in template.getcolors(256) or [])
    shades = [tuple(flat[3 * index : 3 * index + 3]) for index in used]

    # Pillow matches colours through a cache of 4x4x4 cells: a shade close to white or
    # black could win the cell and turn the card and the QR's light modules grey.
    def clear_of_paper_and_qr(rgb: tuple[int, ...]) -> bool:
        return all(max(abs(a - b) for a, b in zip(rgb, exact)) > 7 for exact in (PAPER, QR_DARK))

    others = [rgb for rgb in dict.fromkeys(ramps + shades) if rgb not in flats and clear_of_paper_and_qr(rgb)]
    colours = (flats + others)[:256]
    palette = Image.new("P", (1, 1))
    palette.putpalette([channel for rgb in colours for channel in rgb])
    return palette


def _draw_card(canvas: Image.Image) -> None:
    """A white card with rounded corners and a soft drop shadow, drawn at 4x and
    scaled down so the corners are smooth."""
    scale, spread, radius = 4, 72, 28
    x0, y0, x1, y1 = CARD
    size = (x1 - x0 + 2 * spread, y1 - y0 + 2 * spread)
    inner = (spread * scale, spread * scale, (size[0] - spread) * scale - 1, (size[1] - spread) * scale - 1)

    shadow = Image.new("L", size, 0)
    ImageDraw.Draw(shadow).rounded_rectangle((spread, spread + 12, size[0] - spread, size[1] - spread + 12), radius, fill=SHADOW_ALPHA)
    canvas.paste((0, 0, 0), (x0 - spread, y0 - spread), shadow.filter(ImageFilter.GaussianBlur(18)))

    card = Image.new("L", (size[0] * scale, size[1] * scale), 0)
    ImageDraw.Draw(card).rounded_rectangle(inner, radius * scale, fill=255)
    canvas.paste(PAPER, (x0 - spread, y0 - spread), card.resize(size, Image.Resampling.LANCZOS))


def _paste_logo(canvas: Image.Image, path: Path) -> None:
    with Image.open(path) as source:
        logo = source.convert("RGBA")
    logo.thumbnail(LOGO_BOX, Image.Resampling.LANCZOS)
    canvas.paste(logo, ((WIDTH - logo.width) // 2, 52 + (LOGO_BOX[1] - logo.height) // 2), logo)


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


def _qr_image(deep_link: str) -> Image.Image:
    matrix = _qr_matrix(deep_link)
    modules = len(matrix)
    pixels = bytes(QR_DARK[0] if dark else 255 for row in matrix for dark in row)
    small = Image.frombytes("L", (modules, modules), pixels)
    side = modules * _module_px(deep_link)
    return small.resize((side, side), Image.Resampling.NEAREST).convert("RGB")


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


def _parse_colour(value: str) -> tuple[int, int, int]:
    if not (isinstance(value, str) and len(value) == 7 and value.startswith("#")):
        raise ValueError(f"brand colour must look like #RRGGBB, got {value!r}")
    red, green, blue = ImageColor.getrgb(value)[:3]
    return red, green, blue


def _luminance(colour: tuple[int, int, int]) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    red, green, blue = (channel(v) for v in colour)
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def _contrast(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    light, dark = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def _on(colour: tuple[int, int, int]) -> tuple[int, int, int]:
    """White or ink, whichever reads better on the brand colour."""
    return PAPER if _contrast(colour, PAPER) >= _contrast(colour, INK) else INK


def _header_rule(colour: tuple[int, int, int]) -> tuple[int, int, int]:
    return _mix(colour, (0, 0, 0), 0.25)


def _accent(colour: tuple[int, int, int]) -> tuple[int, int, int]:
    """The call to action in the brand colour, unless that is too pale to read on paper."""
    return colour if _contrast(colour, PAPER) >= 3.0 else INK


def _mix(a: tuple[int, int, int], b: tuple[int, int, int], share_of_b: float) -> tuple[int, int, int]:
    return tuple(round(x + (y - x) * share_of_b) for x, y in zip(a, b))  # type: ignore[return-value]


def _tint(colour: tuple[int, int, int], strength: float) -> tuple[int, int, int]:
    return _mix(PAPER, colour, strength)
