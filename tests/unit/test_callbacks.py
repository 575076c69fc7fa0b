import pytest

from bot.callbacks import ConsentChoice, PickAssociate, ShowCard, SwitchChoice


def test_callback_data_round_trips():
    for data in (SwitchChoice(12, True), PickAssociate(3), ConsentChoice("marketing", False), ShowCard()):
        assert type(data).unpack(data.pack()) == data


@pytest.mark.parametrize("forged", ["", "sw", "sw:12", "sw:12:2", "sw:x:1", "sw:-1:1", "pa:1:2", "ps:3", "sw:" + "9" * 40 + ":1", "sw:²:1", "sw:١٢:1", None])
def test_forged_or_malformed_data_unpacks_to_nothing(forged):
    assert SwitchChoice.unpack(forged) is None


def test_data_over_64_bytes_is_refused_when_packing():
    with pytest.raises(ValueError, match="64 bytes"):
        ConsentChoice("m" * 70, True).pack()


def test_the_handler_pattern_matches_its_own_data_and_not_other_kinds():
    import re

    for data in (SwitchChoice(12, True), PickAssociate(3), ConsentChoice("marketing", False), ShowCard()):
        assert re.match(type(data).pattern(), data.pack())
    assert not re.match(ShowCard.pattern(), "meow:1")
    assert not re.match(PickAssociate.pattern(), SwitchChoice(1, True).pack())


# --- ids within the database's range ---------------------------------------------------------

from dataclasses import fields  # noqa: E402

from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from bot.applications import HANDLERS  # noqa: E402
from bot.callbacks import CallbackData  # noqa: E402
from commerce.ids import ROW_ID_MAX  # noqa: E402
from handlers.stale_buttons import is_stale  # noqa: E402


def registered_types() -> list[type[CallbackData]]:
    """Every callback type a bot has a handler for (found by the handler's pattern)."""
    patterns = {h.pattern.pattern for handlers in HANDLERS.values() for h in handlers if hasattr(h, "pattern") and h.pattern}
    found = [t for t in CallbackData.__subclasses__() if t.pattern() in patterns]
    assert len(found) >= 15
    return found


def integer_text() -> st.SearchStrategy[str]:
    numbers = st.one_of(st.integers(), st.integers(min_value=ROW_ID_MAX - 3, max_value=ROW_ID_MAX + 3),
                        st.just(999_999_999_999_999_999), st.integers(min_value=2**31, max_value=10**40))
    return st.one_of(numbers.map(str), numbers.map(lambda n: f"{abs(n):020d}"), numbers.map(lambda n: f"+{abs(n)}"))


def sample_value(kind: str, raw_int: str):
    return {"int": raw_int, "bool": "1", "str": "profile"}[kind]


@given(data=st.data())
def test_any_integer_in_any_registered_button_unpacks_to_nothing_or_to_an_id_the_columns_hold(data):
    for data_type in registered_types():
        own = fields(data_type)
        kinds = [f.type if isinstance(f.type, str) else f.type.__name__ for f in own]
        if "int" not in kinds:
            continue
        raws = [sample_value(kind, data.draw(integer_text())) for kind in kinds]
        packed = ":".join([data_type.prefix, *raws])

        unpacked = data_type.unpack(packed)

        if unpacked is None:
            assert is_stale(packed), packed  # refused before any handler runs
        else:
            for field, kind in zip(own, kinds, strict=True):
                if kind == "int":
                    assert 0 <= getattr(unpacked, field.name) <= ROW_ID_MAX, packed
            assert not is_stale(packed)


def test_the_largest_id_the_columns_hold_unpacks_and_the_next_does_not():
    assert PickAssociate.unpack(f"pa:{ROW_ID_MAX}") == PickAssociate(ROW_ID_MAX)
    assert PickAssociate.unpack(f"pa:{ROW_ID_MAX + 1}") is None
    assert PickAssociate.unpack("pa:999999999999999999") is None
