"""The terminal chat's own words (what a typed line asks for) and how it shows a message."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from bot.sandbox.demo import _pad
from bot.sandbox.terminal.files import sample_picture, save_received
from bot.sandbox.terminal.screen import in_albums, render_album, render_message
from bot.sandbox.terminal.words import (
    Album,
    Edit,
    File,
    KeyButton,
    Keys,
    Location,
    Paste,
    Pay,
    Photo,
    Press,
    Reply,
    Scan,
    Text,
    Unclear,
    parse_line,
)


@pytest.mark.parametrize(("line", "action"), [
    ("3", Press(3)),
    ("12.3", Press(3, 12)),
    ("/reply 12 Yes, in size M!", Reply(12, "Yes, in size M!")),
    ("/reply #12 /tag vip bags", Reply(12, "/tag vip bags")),
    ("/edit 7 Navy or cream?", Edit(7, "Navy or cream?")),
    ("/photo", Photo(None, None)),
    ("/photo Navy or beige?", Photo(None, "Navy or beige?")),
    ("/album 3", Album(3, None)),
    ("/album 10 Which one?", Album(10, "Which one?")),
    ("/reply 12 /album 2 Just in", Album(2, "Just in", reply_to=12)),
    ("/reply 4 /photo The navy one", Photo(None, "The navy one", reply_to=4)),
    ("/location", Location(31.2197, 121.4757)),
    ("/location 39.9334, 116.4551", Location(39.9334, 116.4551)),
    ("/scan https://t.me/MaisonLumiereBot?start=e1abc-_Z", Scan("e1abc-_Z")),
    ("/scan https://t.me/MaisonLumiereBot", Scan("")),
    ("/keys", Keys()),
    ("/paste", Paste()),
    ("/paste this", Text("/paste this")),
    ("/me", Text("/me")),
    ("/tag vip", Text("/tag vip")),
    ("3 scarves please", Text("3 scarves please")),
    ("  hello  ", Text("hello")),
])
def test_a_line_means_one_action(line, action):
    assert parse_line(line) == action


def test_a_photo_path_is_read_when_it_looks_like_one(tmp_path: Path):
    picture = tmp_path / "scarf.jpg"
    picture.write_bytes(sample_picture(1))
    assert parse_line(f"/photo {picture} The navy one") == Photo(picture, "The navy one")
    assert parse_line(f"/photo {picture}") == Photo(picture, None)
    assert parse_line(f"/file {picture} the lookbook") == File(picture, "the lookbook")


@pytest.mark.parametrize(("line", "hint"), [
    ("/album 1", "an album has 2-10 pictures"),
    ("/album 11", "an album has 2-10 pictures"),
    ("/album three", "an album has 2-10 pictures"),
    ("/reply hello", "write the message number, then the text"),
    ("/reply 12", "write the message number, then the text"),
    ("/edit", "write the message number, then the text"),
    ("/photo /no/such/scarf.jpg", "no picture at /no/such/scarf.jpg"),
    ("/photo scarf.png", "no picture at scarf.png"),
    ("/scan", "which link?"),
    ("/file", "which file?"),
    ("/file /no/such/lookbook.pdf", "no file at /no/such/lookbook.pdf"),
    ("/location north", "write the latitude, then the longitude"),
    ("/location 95 10", "a latitude is between -90 and 90"),
])
def test_a_line_that_cannot_be_done_says_how_to_write_it(line, hint):
    with pytest.raises(Unclear, match=hint):
        parse_line(line)


def test_sample_pictures_are_jpegs_that_differ():
    pictures = [sample_picture(n) for n in (1, 2, 3)]
    assert len(set(pictures)) == 3
    assert Image.open(io.BytesIO(pictures[0])).format == "JPEG"


def test_a_message_shows_its_number_what_it_answers_and_its_buttons():
    message = {"message_id": 14, "kind": "photo", "text": None, "caption": "💬 Alice · Gold\nNavy <b>or</b> beige?",
               "reply_to_message_id": 11,
               "reply_markup": {"inline_keyboard": [[{"text": "👤 Profile", "callback_data": "p"}, {"text": "🏷 Tags & notes", "callback_data": "t"}]]}}
    assert render_message(message, "staff_bot").splitlines() == [
        "", "@staff_bot #14 › ↩ #11 [photo]", "  💬 Alice · Gold", "  Navy <b>or</b> beige?", "  [1] 👤 Profile   [2] 🏷 Tags & notes",
    ]
    edited = render_message({"message_id": 3, "kind": "text", "text": "Hi", "edits": [{}]}, "shop_bot", edited=True)
    assert edited.splitlines()[1] == "@shop_bot #3 › (edited)"
    linked = render_message({"message_id": 6, "kind": "text", "text": "💬 Alice\n📍 31.219700, 121.475700",
                             "entities": [{"type": "bold", "offset": 0, "length": 8},
                                          {"type": "text_link", "offset": 11, "length": 22, "url": "https://www.openstreetmap.org/?mlat=31.2197"}]},
                            "staff_bot")
    assert linked.splitlines()[-1] == "  ↗ https://www.openstreetmap.org/?mlat=31.2197"
    location = render_message({"message_id": 5, "kind": "location", "location": {"latitude": 31.2197, "longitude": 121.4757}}, "shop_bot")
    assert "[location] 31.219700, 121.475700" in location


def test_names_line_up_in_terminal_columns_whatever_the_script():
    assert _pad("Bob Chen", 10) == "Bob Chen  "
    assert _pad("李娜", 10) == "李娜      "  # two columns each
    assert _pad("A very long name", 4) == "A very long name"


def test_an_album_shows_as_one_entry_with_its_numbers_and_caption():
    items = [{"message_id": n, "kind": "photo", "sender": "bot", "media_group_id": "g1", "reply_to_message_id": 11,
              "caption": "💬 Alice\nThree colours" if n == 12 else None} for n in (12, 13, 14)]
    hello = {"message_id": 15, "kind": "text", "sender": "bot", "text": "Hello"}
    other = {"message_id": 16, "kind": "photo", "sender": "bot", "media_group_id": "g2"}

    assert [[m["message_id"] for m in group] for group in in_albums([*items, hello, other])] == [[12, 13, 14], [15], [16]]
    assert render_album(items, "staff_bot").splitlines() == [
        "", "@staff_bot #12–#14 › ↩ #11 album of 3", "  💬 Alice", "  Three colours"]


def test_the_readme_says_what_a_terminal_reply_can_carry():
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("#### The terminal chat", 1)[1].split("\n#### ", 1)[0]

    assert "text only" not in section, "replies carry pictures and albums too"
    assert "/reply 12 /photo" in section and "album of 3" in section


def test_a_received_file_is_saved_under_a_name_of_its_own(tmp_path: Path):
    bobs, _ = save_received(tmp_path, "bob", "MaisonStaffBot", 4, ".png", b"Bob's poster")
    linas, _ = save_received(tmp_path, "lina", "MaisonStaffBot", 4, ".png", b"Lina's poster")
    again, _ = save_received(tmp_path, "bob", "MaisonStaffBot", 4, ".png", b"Bob's poster, a new demo")

    assert (bobs.name, linas.name, again.name) == ("bob-MaisonStaffBot-4.png", "lina-MaisonStaffBot-4.png", "bob-MaisonStaffBot-4-2.png")
    assert [path.read_bytes() for path in (bobs, linas, again)] == [b"Bob's poster", b"Lina's poster", b"Bob's poster, a new demo"]


def test_a_file_already_saved_is_not_saved_again_when_the_history_is_shown_again(tmp_path: Path):
    first = save_received(tmp_path, "bob", "MaisonStaffBot", 4, ".png", b"Bob's poster")
    other = save_received(tmp_path, "bob", "MaisonStaffBot", 4, ".png", b"a new demo's #4")
    first_again = save_received(tmp_path, "bob", "MaisonStaffBot", 4, ".png", b"Bob's poster")
    other_again = save_received(tmp_path, "bob", "MaisonStaffBot", 4, ".png", b"a new demo's #4")

    assert first_again == (first[0], False) and other_again == (other[0], False)
    assert first[1] and other[1] and other[0].name == "bob-MaisonStaffBot-4-2.png"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bob-MaisonStaffBot-4-2.png", "bob-MaisonStaffBot-4.png"]


@given(st.lists(st.tuples(st.text(max_size=20), st.sampled_from(["MaisonLumiereBot", "MaisonStaffBot"]), st.integers(1, 3),
                          st.text(max_size=6)), min_size=1, max_size=8))
def test_saved_files_stay_in_their_folder_and_never_replace_one_another(received: list[tuple[str, str, int, str]]):
    with tempfile.TemporaryDirectory() as directory:
        folder = Path(directory) / "chat"
        saved = [save_received(folder, person, bot, number, suffix, f"file {n}".encode())
                 for n, (person, bot, number, suffix) in enumerate(received)]
        paths = [path for path, _ in saved]
        assert all(path.parent == folder for path in paths) and all(new for _, new in saved)
        assert [path.read_bytes() for path in paths] == [f"file {n}".encode() for n in range(len(received))]
        again = [save_received(folder, person, bot, number, suffix, f"file {n}".encode())
                 for n, (person, bot, number, suffix) in enumerate(received)]
        assert again == [(path, False) for path in paths]
        assert len(list(folder.iterdir())) == len(received)


def test_pay_names_an_invoice_and_key_a_keyboard_button():
    assert parse_line("/pay 12") == Pay(12)
    assert parse_line("/key 📍 Share my location") == KeyButton("📍 Share my location")
    for unclear in ("/pay", "/pay twelve", "/key"):
        with pytest.raises(Unclear):
            parse_line(unclear)
