"""Brand colours on posters and charts: parsing and legible contrast (WCAG luminance)."""

from __future__ import annotations

from PIL import ImageColor

Rgb = tuple[int, int, int]
INK = (26, 26, 28)
PAPER = (255, 255, 255)


def parse_colour(value: str) -> Rgb:
    if not (isinstance(value, str) and len(value) == 7 and value.startswith("#")):
        raise ValueError(f"brand colour must look like #RRGGBB, got {value!r}")
    red, green, blue = ImageColor.getrgb(value)[:3]
    return red, green, blue


def luminance(colour: Rgb) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    red, green, blue = (channel(v) for v in colour)
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast(a: Rgb, b: Rgb) -> float:
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def readable_on(colour: Rgb) -> Rgb:
    """White or ink, whichever reads better on the brand colour."""
    return PAPER if contrast(colour, PAPER) >= contrast(colour, INK) else INK
