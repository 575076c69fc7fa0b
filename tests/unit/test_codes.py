"""Enrollment codes, start payload kinds and short codes (commerce/codes.py)."""

import random
import re
import string

import pytest

from commerce.codes import (
    SHORT_CODE_ALPHABET,
    invite_payload,
    make_short_code,
    normalise_short_code,
    parse_start_payload,
    sign_enrollment_code,
    verify_enrollment_code,
)

KEY = b"current-signing-key-0123456789abcdef"
OLD_KEY = b"previous-signing-key-0123456789abcdef"
TELEGRAM_PAYLOAD = re.compile(r"[A-Za-z0-9_-]{1,64}")
PAYLOAD_ALPHABET = string.ascii_letters + string.digits + "_-"
SAMPLE_IDS = [0, 1, 2, 35, 36, 1295, 1296, 10**6, 2**31 - 1, 2**32, 2**40 - 1, 2**40]


@pytest.mark.parametrize("associate_id", SAMPLE_IDS)
def test_a_signed_code_verifies_back_to_its_associate(associate_id):
    code = sign_enrollment_code(associate_id, KEY)

    assert verify_enrollment_code(code, [KEY]) == associate_id


def test_the_same_associate_and_key_always_give_the_same_code_so_reprints_match():
    assert sign_enrollment_code(42, KEY) == sign_enrollment_code(42, KEY)
    assert sign_enrollment_code(42, KEY) != sign_enrollment_code(43, KEY)


def test_codes_fit_telegrams_start_parameter_for_ids_up_to_two_to_the_forty():
    rng = random.Random(7)
    ids = SAMPLE_IDS + [rng.randrange(2**40) for _ in range(500)]

    codes = [sign_enrollment_code(associate_id, KEY) for associate_id in ids]

    assert all(TELEGRAM_PAYLOAD.fullmatch(code) for code in codes)
    assert max(len(code) for code in codes) <= 64


def test_every_single_character_change_is_rejected():
    code = sign_enrollment_code(123456, KEY)

    for position, original in enumerate(code):
        for replacement in PAYLOAD_ALPHABET:
            if replacement != original:
                tampered = code[:position] + replacement + code[position + 1 :]
                assert verify_enrollment_code(tampered, [KEY]) is None, tampered


def test_dropped_or_added_characters_are_rejected():
    code = sign_enrollment_code(987, KEY)
    variants = [code[:-1], code[1:], code + "A", "e" + code, code[:5] + code[6:], code.upper(), code.swapcase()]

    assert [verify_enrollment_code(variant, [KEY]) for variant in variants] == [None] * len(variants)


def test_a_code_signed_with_another_key_is_rejected():
    code = sign_enrollment_code(5, b"someone-elses-key-0123456789abcdef")

    assert verify_enrollment_code(code, [KEY]) is None


def test_after_a_key_rotation_old_posters_verify_while_the_old_key_is_listed():
    old_poster = sign_enrollment_code(77, OLD_KEY)
    new_poster = sign_enrollment_code(77, KEY)

    assert verify_enrollment_code(old_poster, [KEY, OLD_KEY]) == 77
    assert verify_enrollment_code(new_poster, [KEY, OLD_KEY]) == 77
    assert verify_enrollment_code(old_poster, [KEY]) is None


def test_no_keys_verify_nothing():
    assert verify_enrollment_code(sign_enrollment_code(1, KEY), []) is None
    assert verify_enrollment_code(sign_enrollment_code(1, KEY), [b""]) is None


def test_signing_refuses_negative_ids_and_empty_keys():
    with pytest.raises(ValueError):
        sign_enrollment_code(-1, KEY)
    with pytest.raises(ValueError):
        sign_enrollment_code(1, b"")


def crafted_inputs():
    code = sign_enrollment_code(31337, KEY)
    rng = random.Random(11)
    crafted = [
        "", " ", "e", "i", "E", "ee", "e-", "e_", "e0", "e" + "0" * 20, "e-1" + code[-20:], "e+1" + code[-20:],
        "e_1" + code[-20:], "e 1" + code[-20:], "e01" + code[-20:], code + "\n", " " + code, code + "=",
        code + "==", "e" + "z" * 63, "e" + "z" * 64, "e" + "Z" * 200, code * 3, "x" * 10_000, "\x00" * 30,
        "e١٢٣" + code[-20:], "eⅫ" + code[-20:], "e𝟙𝟚" + code[-20:], "ｅ" + code[1:], code[:10] + "é" + code[11:],
        "😀" * 30, "e\u200b" + code[1:], "е" + code[1:],  # Cyrillic e
        "/start " + code, "%65" + code[1:], "null", "None", "-1", "0" * 64,
    ]
    crafted += ["".join(rng.choice(PAYLOAD_ALPHABET) for _ in range(rng.randint(0, 70))) for _ in range(2000)]
    crafted += ["e" + "".join(rng.choice(PAYLOAD_ALPHABET) for _ in range(rng.randint(20, 30))) for _ in range(2000)]
    crafted += ["".join(chr(rng.randrange(0x110000)) for _ in range(rng.randint(1, 40))) for _ in range(500)]
    return crafted


def test_garbage_unicode_and_overlong_inputs_never_raise_and_never_verify():
    for text in crafted_inputs():
        assert verify_enrollment_code(text, [KEY, OLD_KEY]) is None, repr(text)
        kind, _ = parse_start_payload(text)
        assert kind in {"enroll", "invite", "unknown"}
        normalise_short_code(text)


def test_non_string_payloads_are_rejected_rather_than_raising():
    for value in (None, 42, b"e123", ["e"], 3.5):
        assert verify_enrollment_code(value, [KEY]) is None  # type: ignore[arg-type]
        assert parse_start_payload(value) == ("unknown", "")  # type: ignore[arg-type]
        assert normalise_short_code(value) is None  # type: ignore[arg-type]


def test_an_enrollment_code_is_read_as_an_enrollment():
    code = sign_enrollment_code(9, KEY)

    assert parse_start_payload(code) == ("enroll", code)


def test_an_invite_is_read_as_an_invite_and_never_verifies_as_an_enrollment():
    payload = invite_payload("Xk2_9-abcdefghijklmnopqrstuvwxyz0123")

    assert parse_start_payload(payload) == ("invite", payload)
    assert verify_enrollment_code(payload, [KEY]) is None


def test_no_enrollment_code_is_ever_read_as_an_invite():
    rng = random.Random(3)
    for associate_id in SAMPLE_IDS + [rng.randrange(2**40) for _ in range(300)]:
        assert parse_start_payload(sign_enrollment_code(associate_id, KEY))[0] == "enroll"


def test_payloads_of_neither_kind_are_unknown():
    for payload in ("", "hello", "BOB123", "E" + sign_enrollment_code(1, KEY)[1:], "e", "ehort", "i", "a b", "i" * 65):
        assert parse_start_payload(payload)[0] == "unknown", payload


def test_invite_tokens_outside_telegrams_alphabet_are_refused():
    for token in ("", "has space", "x" * 64, "slash/"):
        with pytest.raises(ValueError):
            invite_payload(token)


def test_a_short_code_is_six_unambiguous_upper_case_characters():
    codes = [make_short_code(associate_id, KEY) for associate_id in range(2000)]

    assert all(len(code) == 6 and set(code) <= set(SHORT_CODE_ALPHABET) for code in codes)
    assert not set("".join(codes)) & set("01OIL")
    assert not set(SHORT_CODE_ALPHABET) & set("01OIL")


def test_short_codes_are_stable_and_not_sequential():
    first, second = make_short_code(100, KEY), make_short_code(101, KEY)

    assert make_short_code(100, KEY) == first
    assert sum(a == b for a, b in zip(first, second)) <= 3
    assert make_short_code(100, OLD_KEY) != first


def test_a_clashing_short_code_can_be_redrawn_with_the_next_attempt():
    codes = {make_short_code(100, KEY, attempt) for attempt in range(10)}

    assert len(codes) == 10


def test_short_codes_are_mostly_distinct_across_many_associates():
    codes = [make_short_code(associate_id, KEY) for associate_id in range(5000)]

    assert len(set(codes)) >= 4990  # about 887 million codes: clashes are rare, and redrawn


@pytest.mark.parametrize(
    "typed",
    ["K7QXM4", "k7qxm4", "k7q-xm4", " K7Q XM4 ", "k7q–xm4", "K 7 Q X M 4", "Ｋ７ＱＸＭ４", "k7q\txm4\n"],
)
def test_a_short_code_is_accepted_as_people_type_it(typed):
    assert normalise_short_code(typed) == "K7QXM4"


@pytest.mark.parametrize("typed", ["", "K7QXM", "K7QXM44", "K7QXM0", "BOB1O3", "LILI22", "K7Q/XM4", "钥匙钥匙钥匙", "😀" * 6])
def test_text_that_cannot_be_a_short_code_is_refused(typed):
    assert normalise_short_code(typed) is None


def test_every_generated_short_code_survives_normalisation():
    for associate_id in range(500):
        code = make_short_code(associate_id, KEY)
        spaced = f" {code[:3].lower()}-{code[3:]} "
        assert normalise_short_code(spaced) == code
