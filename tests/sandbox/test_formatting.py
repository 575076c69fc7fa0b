"""Parse modes read the way Telegram reads them (no server needed)."""

from __future__ import annotations

import pytest

from bot.sandbox.errors import ApiError
from bot.sandbox.formatting import parse


def entities(text: str, mode: str) -> tuple[str, list[tuple]]:
    parsed = parse(text, mode, None)
    return parsed.text, [(e["type"], e["offset"], e["length"]) for e in parsed.entities]


def test_html_tags_become_entities_and_references_are_decoded() -> None:
    text, found = entities('<b>Hi</b> &lt;3 <a href="https://shop.example/p?a=1&amp;b=2">scarf</a>', "HTML")

    assert text == "Hi <3 scarf"
    assert found == [("bold", 0, 2), ("text_link", 6, 5)]
    assert parse('<a href="https://x.example/?a=1&amp;b=2">x</a>', "HTML", None).entities[0]["url"].endswith("a=1&b=2")


def test_offsets_are_counted_in_utf16_units() -> None:
    assert entities("😀 <i>ok</i>", "HTML") == ("😀 ok", [("italic", 3, 2)])


def test_pre_with_a_language_is_one_entity() -> None:
    parsed = parse('<pre><code class="language-python">print(1)</code></pre>', "HTML", None)

    assert parsed.entities == [{"type": "pre", "offset": 0, "length": 8, "language": "python"}]


@pytest.mark.parametrize(
    ("markup", "refusal"),
    [
        ("<b>bold", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("<p>x</p>", 'Unsupported start tag "p" at byte offset 0'),
        ("a < b", 'Unsupported start tag "" at byte offset 2'),
        ('<a href="x', "Unclosed start tag at byte offset 0"),
    ],
)
def test_broken_html_is_refused_with_telegrams_words(markup: str, refusal: str) -> None:
    with pytest.raises(ApiError) as refused:
        parse(markup, "HTML", None)

    assert refused.value.status == 400
    assert refused.value.description == f"Bad Request: can't parse entities: {refusal}"


def test_unknown_html_references_stay_literal() -> None:
    assert entities("Fish &chips &nbsp;", "HTML") == ("Fish &chips &nbsp;", [])


def test_markdown_v2_entities_and_escapes() -> None:
    text, found = entities(
        "*bold* _it_ __under__ ~gone~ ||secret|| `x.y` [link](https://a.example) 1\\.5", "MarkdownV2"
    )

    assert text == "bold it under gone secret x.y link 1.5"
    assert [kind for kind, _, _ in found] == [
        "bold",
        "italic",
        "underline",
        "strikethrough",
        "spoiler",
        "code",
        "text_link",
    ]


@pytest.mark.parametrize(
    ("markup", "refusal"),
    [
        ("Price: 9.99", "Character '.' is reserved and must be escaped with the preceding '\\'"),
        ("Call me (maybe)", "Character '(' is reserved and must be escaped with the preceding '\\'"),
        ("*never closed", "Can't find end of Bold entity at byte offset 0"),
    ],
)
def test_broken_markdown_v2_is_refused_with_telegrams_words(markup: str, refusal: str) -> None:
    with pytest.raises(ApiError, match="can't parse entities") as refused:
        parse(markup, "MarkdownV2", None)

    assert refused.value.description.endswith(refusal)


def test_legacy_markdown_is_lenient_but_needs_closed_entities() -> None:
    assert entities("*Sale* ends 12.5 at _noon_", "Markdown") == (
        "Sale ends 12.5 at noon",
        [("bold", 0, 4), ("italic", 18, 4)],
    )
    with pytest.raises(ApiError, match="Can't find end of the entity starting at byte offset 0"):
        parse("*open", "Markdown", None)


def test_surrounding_whitespace_is_trimmed_and_entities_follow() -> None:
    assert entities("  \n<b>Hi</b> there \n", "HTML") == ("Hi there", [("bold", 0, 2)])
