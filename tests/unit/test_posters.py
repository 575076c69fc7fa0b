"""The associate's QR poster (bot/images/poster_layout.py, bot/images/posters.py): it scans, it fits, it prints Chinese."""

import io
import itertools
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image, ImageChops, ImageDraw, ImageStat

from bot.images.poster_layout import (
    CARD,
    FONT_BOLD,
    FONT_REGULAR,
    HEADER_HEIGHT,
    PosterSpec,
    layout_poster,
    missing_glyphs,
)
from bot.images.posters import render_poster
from commerce.codes import (
    parse_start_payload,
    sign_enrollment_code,
    verify_enrollment_code,
)

KEY = b"poster-test-signing-key-0123456789"
DEEP_LINK = f"https://t.me/MaisonLumiereBot?start={sign_enrollment_code(2**40, KEY)}"
ROLES = {"brand", "associate", "store", "short_code", "cta", "subtitle", "link"}

ENGLISH = PosterSpec(
    deep_link=DEEP_LINK,
    brand_name="Maison Lumière",
    brand_colour="#8C1D40",
    associate_name="Bob Chen",
    store_name="Shanghai Xintiandi",
    short_code="K7QXM4",
    locale="en",
    call_to_action="Join Maison Lumière",
    subtitle="Scan to join and chat with me",
)
CHINESE = PosterSpec(
    deep_link=DEEP_LINK,
    brand_name="美丽珠宝",
    brand_colour="#1F3A5F",
    associate_name="李娜",
    store_name="上海新天地店",
    short_code="K7QXM4",
    locale="zh-Hans",
    call_to_action="加入美丽珠宝会员",
    subtitle="扫码加入，与我一对一聊天",
)
LONG_NAMES = PosterSpec(
    deep_link="https://t.me/a_rather_long_consumer_bot_name_bot?start=" + sign_enrollment_code(7, KEY),
    brand_name="Pâtisserie Dorée de la Grande Maison Internationale et Compagnie",
    brand_colour="#F2C94C",  # light: header text must switch to ink
    associate_name="Maximiliana Alexandrovna Konstantinopolskaya-Wellington " * 3,
    store_name="上海市浦东新区陆家嘴环路国金中心商场旗舰店二楼东侧专柜第十八号" * 2,
    short_code="K7QXM4",
    locale="zh-Hans",
    call_to_action="立即加入会员，享受专属顾问一对一服务与新品抢先看以及更多精彩礼遇",
    subtitle="W" * 300,
)


def decoded_qr_texts(data: bytes) -> list[str]:
    return [barcode.text for barcode in zxingcpp.read_barcodes(Image.open(io.BytesIO(data)))]


def inside(box, outer) -> bool:
    return outer[0] <= box[0] < box[2] <= outer[2] and outer[1] <= box[1] < box[3] <= outer[3]


def overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
@pytest.mark.parametrize("spec", [ENGLISH, CHINESE, LONG_NAMES], ids=["en", "zh-Hans", "long-names"])
def test_the_qr_code_decodes_back_to_the_exact_deep_link(spec, fmt):
    poster = render_poster(spec, fmt)

    assert decoded_qr_texts(poster) == [spec.deep_link]


def test_the_scanned_payload_verifies_back_to_the_associate():
    (scanned,) = decoded_qr_texts(render_poster(CHINESE, "JPEG"))

    kind, payload = parse_start_payload(scanned.split("?start=", 1)[1])

    assert kind == "enroll"
    assert verify_enrollment_code(payload, [KEY]) == 2**40


def test_a_png_poster_is_a_1080_by_1620_png():
    poster = render_poster(ENGLISH, "PNG")

    assert poster[:8] == b"\x89PNG\r\n\x1a\n"
    with Image.open(io.BytesIO(poster)) as image:
        assert (image.format, image.size) == ("PNG", (1080, 1620))
        assert image.mode == "P" and len(image.getcolors(256)) > 16  # indexed, anti-aliased


def test_a_jpeg_poster_is_a_1080_by_1620_jpeg():
    poster = render_poster(CHINESE, "JPEG")

    assert poster[:3] == b"\xff\xd8\xff" and poster[-2:] == b"\xff\xd9"
    with Image.open(io.BytesIO(poster)) as image:
        assert (image.format, image.size) == ("JPEG", (1080, 1620))


def test_a_png_poster_keeps_the_colours_of_the_drawing():
    """The indexed PNG's palette holds every flat colour exactly and the text edges closely."""
    png = Image.open(io.BytesIO(render_poster(ENGLISH, "PNG"))).convert("RGB")
    jpeg = Image.open(io.BytesIO(render_poster(ENGLISH, "JPEG"))).convert("RGB")

    assert png.getpixel((5, 5)) == (0x8C, 0x1D, 0x40)  # header in the brand colour
    assert png.getpixel((540, CARD[1] + 10)) == (255, 255, 255)  # the card
    brand_ink = [png.getpixel((x, y)) for x in range(0, 1080, 7) for y in range(0, HEADER_HEIGHT, 7)]
    assert (255, 255, 255) in brand_ink  # white lettering on a dark brand colour
    difference = ImageChops.difference(png, jpeg)
    assert max(ImageStat.Stat(difference).mean) < 1.5  # the same picture: JPEG's own noise aside


def test_a_pale_brand_colour_gets_dark_lettering_in_the_header():
    png = Image.open(io.BytesIO(render_poster(LONG_NAMES, "PNG"))).convert("L")

    header = [png.getpixel((x, y)) for x in range(0, 1080, 3) for y in range(150, HEADER_HEIGHT, 3)]

    assert min(header) < 60  # ink on yellow, where white would vanish


def test_the_same_spec_renders_the_same_bytes_so_reprints_match():
    assert render_poster(ENGLISH) == render_poster(ENGLISH)


def test_a_chinese_poster_places_every_text_inside_the_canvas_without_overlaps():
    layout = layout_poster(CHINESE)
    canvas = (0, 0, *layout.size)

    assert {box.role for box in layout.texts} == ROLES
    assert all(inside(box.box, canvas) for box in layout.texts)
    boxes = [box.box for box in layout.texts] + [layout.qr_box]
    assert not [pair for pair in itertools.combinations(boxes, 2) if overlap(*pair)]


def test_a_chinese_poster_draws_its_texts_as_given_and_in_the_expected_places():
    layout = layout_poster(CHINESE)
    drawn = {box.role: box for box in layout.texts}

    assert drawn["associate"].text == "李娜"
    assert drawn["store"].text == "上海新天地店"
    assert drawn["short_code"].text == "短码：K7QXM4"
    assert drawn["cta"].text == "加入美丽珠宝会员"
    assert drawn["brand"].box[3] <= HEADER_HEIGHT
    assert inside(drawn["short_code"].box, CARD)
    assert drawn["associate"].box[3] <= drawn["store"].box[1] < drawn["store"].box[3] <= layout.qr_box[1]
    assert layout.qr_box[3] <= drawn["short_code"].box[1]
    assert layout.dropped == frozenset()


def test_the_font_has_a_glyph_for_every_character_of_a_chinese_poster():
    layout = layout_poster(CHINESE)

    for box in layout.texts:
        assert missing_glyphs(box.text, box.font_path) == set(), box.role
    rare_name_hanzi = "喆堃玥珺翀琨昇"
    assert missing_glyphs(rare_name_hanzi, FONT_BOLD) == set()
    assert missing_glyphs("短码：，。、“”《》￥—…", FONT_REGULAR) == set()


def test_missing_glyphs_names_the_characters_the_font_cannot_draw():
    assert missing_glyphs("Bob 😀 𠀀 안녕", FONT_REGULAR) == {"😀", "𠀀", "안", "녕"}


def test_characters_without_a_glyph_are_left_out_and_reported_not_drawn_as_boxes():
    spec = PosterSpec(**{**CHINESE.__dict__, "associate_name": "李娜 🌸", "subtitle": "扫码加入😀，与我聊天"})

    layout = layout_poster(spec)

    assert layout.text("associate").text == "李娜"
    assert layout.text("subtitle").text == "扫码加入，与我聊天"
    assert layout.dropped == {"🌸", "😀"}


def test_invisible_format_characters_never_reach_the_page():
    spec = PosterSpec(**{**ENGLISH.__dict__, "associate_name": "Bob\u202e Chen\u200b\u0000"})

    assert layout_poster(spec).text("associate").text == "Bob Chen"


def test_very_long_names_are_shrunk_or_ellipsised_and_stay_inside_the_canvas():
    layout = layout_poster(LONG_NAMES)
    canvas = (0, 0, *layout.size)

    assert all(inside(box.box, canvas) for box in layout.texts)
    assert layout.text("associate").text.endswith("…")
    assert layout.text("subtitle").text.endswith("…")
    assert layout.text("brand").font_size < layout_poster(ENGLISH).text("brand").font_size
    boxes = [box.box for box in layout.texts] + [layout.qr_box]
    assert not [pair for pair in itertools.combinations(boxes, 2) if overlap(*pair)]


def test_nothing_is_drawn_outside_the_layouts_text_boxes_in_the_body():
    """Long names draw only inside their boxes: the margins beside them stay background."""
    with Image.open(io.BytesIO(render_poster(LONG_NAMES))) as image:
        background = image.getpixel((5, 420))
        for y in range(HEADER_HEIGHT + 10, CARD[1] - 10, 4):
            assert image.getpixel((3, y)) == background
            assert image.getpixel((1076, y)) == background


def test_the_qr_code_is_large_centred_and_has_whole_pixel_modules():
    layout = layout_poster(ENGLISH)
    x0, y0, x1, y1 = layout.qr_box

    assert x1 - x0 == y1 - y0 >= 600
    assert abs((x0 + x1) / 2 - layout.size[0] / 2) <= 1
    assert inside(layout.qr_box, CARD)


def test_a_logo_sits_above_the_brand_name_in_the_header(tmp_path: Path):
    logo_path = tmp_path / "logo.png"
    logo = Image.new("RGBA", (300, 300), (0, 0, 0, 0))
    ImageDraw.Draw(logo).ellipse((0, 0, 299, 299), fill=(255, 255, 255, 255))
    logo.save(logo_path)
    spec = PosterSpec(**{**ENGLISH.__dict__, "logo_path": logo_path})

    layout = layout_poster(spec)
    with Image.open(io.BytesIO(render_poster(spec))) as image:
        logo_centre = image.convert("RGB").getpixel((540, 104))

    assert layout.text("brand").box[1] > layout_poster(ENGLISH).text("brand").box[1]
    assert layout.text("brand").box[3] <= HEADER_HEIGHT
    assert logo_centre == (255, 255, 255)
    assert decoded_qr_texts(render_poster(spec)) == [spec.deep_link]


def test_a_badly_written_brand_colour_or_format_is_refused():
    with pytest.raises(ValueError):
        render_poster(PosterSpec(**{**ENGLISH.__dict__, "brand_colour": "maroon"}))
    with pytest.raises(ValueError):
        render_poster(ENGLISH, "GIF")  # type: ignore[arg-type]
