"""The demo brand's catalog: about forty products of a Maison Lumière season, their sizes and
colours, Gold and Platinum member prices, stock in both demo stores, and a flat picture of
each product drawn here with Pillow (so the pictures carry no one else's licence).

    .venv/bin/python -m bot.sandbox.demo_catalog     # writes assets/demo/catalog/

writes catalog.csv, inventory.csv and images/*.png, which are committed; `storelink demo`
imports them as `storelink catalog import` and `storelink inventory import` would.
Everything is derived from the list below, so running it again gives the same files.
"""

from __future__ import annotations

import csv
import hashlib
import io
from datetime import datetime
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from bot.cli.catalog_images import load_images
from bot.cli.catalogfile import read_catalog, read_inventory
from bot.images.poster_layout import FONT_BOLD
from commerce.catalog_import import (
    CatalogReport,
    InventoryReport,
    import_catalog,
    import_inventory,
)
from commerce.catalog_plan import CatalogPlan, plan_catalog, plan_inventory
from commerce.outbox import Blob
from commerce.ports.uow import UnitOfWork

CATALOG_DIR = Path(__file__).resolve().parents[2] / "assets" / "demo" / "catalog"
STORES = ("SH-XTD", "BJ-SLT")
SIZE = 480
COLOURS = {  # name: fill, as the pictures paint them
    "Navy": "#1F3A5F", "Ivory": "#EDE6D6", "Camel": "#B5835A", "Burgundy": "#8C1D40", "Black": "#222222",
    "Grey": "#8A8D91", "Sage": "#8FA58A", "Sky": "#8DB6D9", "White": "#F4F4F2", "Rose": "#D99AA5", "Olive": "#6B6B3A",
}
SIZES = {"Scarves": ["One size"], "Bags": ["One size"], "Accessories": ["One size"], "Shirts": ["S", "M", "L"],
         "Knitwear": ["S", "M", "L"], "Outerwear": ["S", "M", "L", "XL"], "Dresses": ["XS", "S", "M"]}
# code, name, category, price (CNY), colours, tags, new
PRODUCTS = [
    ("SC-101", "Cashmere scarf", "Scarves", 1280, ["Navy", "Camel", "Burgundy"], "cashmere, winter, gift", True),
    ("SC-102", "Silk square", "Scarves", 980, ["Rose", "Sky", "Ivory"], "silk, gift", True),
    ("SC-103", "Wool stole", "Scarves", 1180, ["Grey", "Black"], "wool, winter", False),
    ("SC-104", "Linen scarf", "Scarves", 580, ["Sage", "White"], "linen, summer", False),
    ("SC-105", "Monogram twill scarf", "Scarves", 1480, ["Burgundy", "Navy"], "silk, monogram", False),
    ("SC-106", "Fringed cashmere wrap", "Scarves", 2280, ["Camel", "Ivory"], "cashmere, winter", True),
    ("TS-201", "Oxford shirt", "Shirts", 890, ["White", "Sky"], "cotton, office", False),
    ("TS-202", "Linen shirt", "Shirts", 790, ["White", "Sage", "Sky"], "linen, summer", True),
    ("TS-203", "Poplin shirt", "Shirts", 860, ["White", "Navy"], "cotton", False),
    ("TS-204", "Silk blouse", "Shirts", 1680, ["Ivory", "Rose", "Black"], "silk, evening", True),
    ("TS-205", "Striped cotton shirt", "Shirts", 820, ["Navy", "White"], "cotton, weekend", False),
    ("TS-206", "Flannel overshirt", "Shirts", 1080, ["Olive", "Burgundy"], "wool, weekend", False),
    ("KN-301", "Merino crew neck", "Knitwear", 1280, ["Navy", "Grey", "Camel"], "merino, wool", False),
    ("KN-302", "Cashmere cardigan", "Knitwear", 2680, ["Ivory", "Black"], "cashmere", True),
    ("KN-303", "Cable knit sweater", "Knitwear", 1580, ["Ivory", "Navy"], "wool, winter", False),
    ("KN-304", "Ribbed turtleneck", "Knitwear", 1180, ["Black", "Burgundy", "Camel"], "merino, winter", True),
    ("KN-305", "Cotton polo knit", "Knitwear", 880, ["Sage", "White"], "cotton, summer", False),
    ("KN-306", "Mohair V-neck", "Knitwear", 1780, ["Rose", "Grey"], "mohair", False),
    ("OW-401", "Wool overcoat", "Outerwear", 4980, ["Camel", "Navy", "Black"], "wool, winter", False),
    ("OW-402", "Trench coat", "Outerwear", 3980, ["Camel", "Black"], "cotton, rain", True),
    ("OW-403", "Quilted jacket", "Outerwear", 2380, ["Olive", "Navy"], "weekend, winter", False),
    ("OW-404", "Down parka", "Outerwear", 4280, ["Black", "Grey"], "down, winter", True),
    ("OW-405", "Cropped blazer", "Outerwear", 2880, ["Black", "Ivory"], "office", False),
    ("OW-406", "Linen jacket", "Outerwear", 2180, ["Sage", "Sky"], "linen, summer", False),
    ("DR-501", "Wrap dress", "Dresses", 1980, ["Burgundy", "Navy"], "evening", True),
    ("DR-502", "Linen shift dress", "Dresses", 1480, ["White", "Sage"], "linen, summer", False),
    ("DR-503", "Knitted midi dress", "Dresses", 2280, ["Camel", "Grey"], "wool, winter", False),
    ("DR-504", "Silk slip dress", "Dresses", 2680, ["Black", "Rose"], "silk, evening", True),
    ("DR-505", "Shirt dress", "Dresses", 1380, ["Sky", "White"], "cotton, office", False),
    ("BG-601", "Leather tote", "Bags", 3280, ["Camel", "Black"], "leather, office", False),
    ("BG-602", "Mini crossbody", "Bags", 2180, ["Burgundy", "Black", "Ivory"], "leather, evening", True),
    ("BG-603", "Canvas shopper", "Bags", 680, ["Ivory", "Navy"], "canvas, weekend", False),
    ("BG-604", "Bucket bag", "Bags", 2580, ["Camel", "Olive"], "leather", True),
    ("BG-605", "Weekender", "Bags", 3880, ["Navy", "Camel"], "travel", False),
    ("BG-606", "Card holder", "Bags", 580, ["Black", "Burgundy", "Rose"], "leather, gift", False),
    ("AC-701", "Wool beret", "Accessories", 480, ["Black", "Burgundy", "Camel"], "wool, winter, gift", True),
    ("AC-702", "Cashmere beanie", "Accessories", 680, ["Grey", "Navy", "Ivory"], "cashmere, winter, gift", False),
    ("AC-703", "Straw sun hat", "Accessories", 580, ["Ivory"], "summer", True),
    ("AC-704", "Leather gloves", "Accessories", 880, ["Black", "Camel"], "leather, winter, gift", False),
    ("AC-705", "Bucket hat", "Accessories", 420, ["Sage", "Navy"], "cotton, weekend", False),
]
HEADER = ["code", "name", "category", "currency", "description", "tags", "new", "images", "sku", "size", "colour",
          "price", "member_price:Gold", "member_price:Platinum"]


def rows() -> list[list[str]]:
    lines = []
    for code, name, category, price, colours, tags, new in PRODUCTS:
        description = f"{name} from the Maison Lumière {category.lower()} collection."
        images = "|".join(f"images/{code.lower()}-{colour.lower()}.png" for colour in colours[:2])
        for colour in colours:
            for size in SIZES[category]:
                sku = f"{code}-{colour[:3].upper()}" + ("" if size == "One size" else f"-{size}")
                gold, platinum = _member(price, 0.9), _member(price, 0.85)
                lines.append([code, name, category, "CNY", description, tags, "yes" if new else "no", images, sku,
                              size, colour, f"{price}.00", gold, platinum])
    return lines


def _member(price: int, share: float) -> str:
    """A member price rounded down to ten yuan, written as the file writes money (exact text)."""
    return f"{int(price * share) // 10 * 10}.00"


def stock_rows(catalog: list[list[str]]) -> list[list[str]]:
    """A believable, repeatable spread: a few SKUs sold out in one store, none in both."""
    lines = []
    for row in catalog:
        sku = row[8]
        for index, store in enumerate(STORES):
            seed = hashlib.sha256(f"{store}:{sku}".encode()).digest()[0]
            on_hand = 0 if seed % 11 == index else seed % 9 + (3 if store == "SH-XTD" else 1)
            lines.append([store, sku, str(on_hand)])
    return lines


def picture(name: str, category: str, colour: str) -> bytes:
    """A flat illustration: the category's silhouette in the product's colour on a light
    background, the product's name under it."""
    image = Image.new("RGB", (SIZE, SIZE), "#F6F3EE")
    draw = ImageDraw.Draw(image)
    fill, line = COLOURS[colour], "#3A3A3A"
    _SHAPES[category](draw, fill, line)
    font = ImageFont.truetype(str(FONT_BOLD), 26)
    draw.text((SIZE // 2, SIZE - 52), name, font=font, fill="#2B2B2B", anchor="mm")
    draw.text((SIZE // 2, SIZE - 22), colour, font=ImageFont.truetype(str(FONT_BOLD), 18), fill="#7A7A7A", anchor="mm")
    out = io.BytesIO()
    image.quantize(colors=32).save(out, "PNG", optimize=True)
    return out.getvalue()


def _scarf(draw: ImageDraw.ImageDraw, fill: str, line: str) -> None:
    draw.polygon([(150, 70), (330, 70), (300, 250), (340, 380), (270, 380), (240, 260), (210, 380), (140, 380),
                  (180, 250)], fill=fill, outline=line, width=3)
    for x in (150, 165, 180, 195, 270, 285, 300, 315):
        draw.line([(x, 380), (x, 396)], fill=fill, width=4)


def _shirt(draw: ImageDraw.ImageDraw, fill: str, line: str) -> None:
    draw.polygon([(180, 70), (240, 95), (300, 70), (390, 120), (360, 190), (325, 170), (325, 390), (155, 390),
                  (155, 170), (120, 190), (90, 120)], fill=fill, outline=line, width=3)
    draw.polygon([(210, 72), (240, 120), (270, 72)], fill="#F6F3EE", outline=line, width=2)
    draw.line([(240, 120), (240, 390)], fill=line, width=2)


def _knit(draw: ImageDraw.ImageDraw, fill: str, line: str) -> None:
    draw.polygon([(170, 75), (310, 75), (400, 130), (395, 350), (350, 350), (345, 175), (335, 390), (145, 390),
                  (135, 175), (130, 350), (85, 350), (80, 130)], fill=fill, outline=line, width=3)
    draw.ellipse([(205, 60), (275, 100)], fill="#F6F3EE", outline=line, width=3)
    for y in range(370, 391, 6):
        draw.line([(145, y), (335, y)], fill=line, width=1)


def _coat(draw: ImageDraw.ImageDraw, fill: str, line: str) -> None:
    draw.polygon([(175, 60), (305, 60), (390, 110), (400, 380), (350, 380), (340, 170), (340, 405), (140, 405),
                  (140, 170), (130, 380), (80, 380), (90, 110)], fill=fill, outline=line, width=3)
    draw.polygon([(205, 62), (240, 200), (275, 62)], fill="#F6F3EE", outline=line, width=2)
    for y in (230, 280, 330):
        draw.ellipse([(250, y), (262, y + 12)], fill=line)


def _dress(draw: ImageDraw.ImageDraw, fill: str, line: str) -> None:
    draw.polygon([(200, 65), (280, 65), (300, 120), (285, 200), (360, 400), (120, 400), (195, 200), (180, 120)],
                 fill=fill, outline=line, width=3)
    draw.line([(195, 200), (285, 200)], fill=line, width=3)


def _bag(draw: ImageDraw.ImageDraw, fill: str, line: str) -> None:
    draw.arc([(170, 70), (310, 230)], 180, 360, fill=line, width=10)
    draw.polygon([(120, 150), (360, 150), (385, 390), (95, 390)], fill=fill, outline=line, width=3)
    draw.line([(110, 200), (370, 200)], fill=line, width=2)


def _hat(draw: ImageDraw.ImageDraw, fill: str, line: str) -> None:
    draw.ellipse([(80, 270), (400, 360)], fill=fill, outline=line, width=3)
    draw.chord([(150, 120), (330, 380)], 180, 360, fill=fill, outline=line, width=3)
    draw.line([(152, 300), (328, 300)], fill=line, width=6)


_SHAPES = {"Scarves": _scarf, "Shirts": _shirt, "Knitwear": _knit, "Outerwear": _coat, "Dresses": _dress,
           "Bags": _bag, "Accessories": _hat}


def write(folder: Path = CATALOG_DIR) -> None:
    (folder / "images").mkdir(parents=True, exist_ok=True)
    catalog = rows()
    with (folder / "catalog.csv").open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(HEADER)
        writer.writerows(catalog)
    with (folder / "inventory.csv").open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["store", "sku", "on_hand"])
        writer.writerows(stock_rows(catalog))
    for code, name, category, _, colours, _, _ in PRODUCTS:
        for colour in colours[:2]:
            (folder / "images" / f"{code.lower()}-{colour.lower()}.png").write_bytes(picture(name, category, colour))


async def read_demo_catalog(now: datetime, folder: Path = CATALOG_DIR) -> tuple[CatalogPlan, dict[str, Blob]]:
    """The committed catalog, checked, with its pictures (read before a transaction opens)."""
    plan = plan_catalog("catalog.csv", *read_catalog(folder / "catalog.csv"))
    return plan, await load_images(plan, folder, now)


async def import_demo_catalog(uow: UnitOfWork, brand_id: int, plan: CatalogPlan, images: dict[str, Blob], now: datetime,
                              folder: Path = CATALOG_DIR) -> tuple[CatalogReport, InventoryReport]:
    """The catalog, then the stock of both demo stores, in the caller's transaction."""
    catalog = await import_catalog(uow, brand_id, plan, images, now)
    stock = plan_inventory("inventory.csv", *read_inventory(folder / "inventory.csv"))
    return catalog, await import_inventory(uow, brand_id, stock, now)


if __name__ == "__main__":
    write()
    print(f"wrote {CATALOG_DIR}")
