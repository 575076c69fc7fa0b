"""An associate's QR poster, laid out: which text goes where, at which size, and where the QR
symbol sits (``layout_poster``), so tests check placement without comparing pixels.

Text is set in the shipped Noto Sans CJK SC subset (assets/fonts/README.md). Characters the
font lacks (emoji, hanzi of the CJK extension blocks) are left out rather than printed as
empty boxes; ``PosterLayout.dropped`` names them so the caller can tell the associate.
Invisible format characters (bidi overrides, zero-width joiners) never reach the page: they
could make a name read differently from what is stored."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

import qrcode
from PIL import ImageFont

ASSETS = Path(__file__).resolve().parents[2] / "assets"


FONT_REGULAR = ASSETS / "fonts" / "NotoSansCJKsc-Subset-Regular.otf"


FONT_BOLD = ASSETS / "fonts" / "NotoSansCJKsc-Subset-Bold.otf"


DEFAULT_LOGO = ASSETS / "brand" / "logo.png"


WIDTH, HEIGHT = 1080, 1620  # 2:3 portrait; 300 dpi makes it a 9 x 13.7 cm counter card


DPI = 300


MARGIN = 84


MUTED = (104, 104, 110)


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
    qr_side = _qr_modules(spec.deep_link) * module_px(spec.deep_link)
    qr_left = (WIDTH - qr_side) // 2
    qr_top = QR_TOP + (QR_SLOT - qr_side) // 2
    return PosterLayout(
        size=(WIDTH, HEIGHT),
        texts=tuple(box for box in texts if box is not None),
        qr_box=(qr_left, qr_top, qr_left + qr_side, qr_top + qr_side),
        dropped=frozenset(dropped),
    )


def missing_glyphs(text: str, font_path: str | Path) -> set[str]:
    """Characters of ``text`` that the font cannot draw (whitespace aside)."""
    cmap = _codepoints(str(font_path))
    return {char for char in text if ord(char) not in cmap and not char.isspace()}


@lru_cache(maxsize=16)
def _brand_box(brand_name: str, with_logo: bool) -> tuple[TextBox | None, frozenset[str]]:
    """The brand name with tracking, measured letter by letter: once per brand."""
    dropped: set[str] = set()
    text = _printable(brand_name, BRAND_SLOT.font, dropped)
    if not text:
        return None, frozenset(dropped)
    size, text, tracking = _fit(text, BRAND_SLOT)
    width = _tracked_width(text, BRAND_SLOT.font, size, tracking)
    font = loaded_font(BRAND_SLOT.font, size)
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
    font = loaded_font(slot.font, size)
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
    loaded = loaded_font(font, size)
    if not tracking:
        return int(loaded.getlength(text) + 0.999)
    return int(sum(loaded.getlength(char) for char in text) + tracking * (len(text) - 1) + 0.999)


def _link_caption(deep_link: str) -> str:
    """"t.me/SomeBot": where to find the bot when the camera is not at hand."""
    parts = urlsplit(deep_link)
    return (parts.netloc + parts.path).rstrip("/")


@lru_cache(maxsize=64)
def qr_matrix(deep_link: str) -> tuple[tuple[bool, ...], ...]:
    # Level Q survives a scuffed or partly covered counter card; 4 modules of quiet zone
    # is what the standard asks for and what cheap phone cameras need.
    symbol = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_Q, border=4)
    symbol.add_data(deep_link)
    symbol.make(fit=True)
    return tuple(tuple(row) for row in symbol.get_matrix())


def _qr_modules(deep_link: str) -> int:
    return len(qr_matrix(deep_link))


def module_px(deep_link: str) -> int:
    return max(1, QR_SLOT // _qr_modules(deep_link))  # whole pixels per module keep edges sharp


@lru_cache(maxsize=256)
def loaded_font(path: Path, size: int) -> ImageFont.FreeTypeFont:
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
