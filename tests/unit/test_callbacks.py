import pytest

from bot.interface.callbacks import ConsentChoice, PickAssociate, ShowCard, SwitchChoice


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

from bot.interface.applications import HANDLERS  # noqa: E402
from bot.interface.callbacks import CallbackData, registered  # noqa: E402
from commerce.ids import ROW_ID_MAX  # noqa: E402
from handlers.stale_buttons import is_stale  # noqa: E402


def registered_types() -> list[type[CallbackData]]:
    """Every callback type a bot has a handler for (found by the handler's pattern)."""
    patterns = {h.pattern.pattern for handlers in HANDLERS.values() for h in handlers if hasattr(h, "pattern") and h.pattern}
    found = [t for t in registered() if t.pattern() in patterns]
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


# --- one prefix, one type ----------------------------------------------------------------------

import re  # noqa: E402

import bot.interface.callbacks  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from typing import ClassVar  # noqa: E402


def test_every_callback_type_is_registered_under_its_own_prefix():
    defined = {obj for obj in vars(bot.interface.callbacks).values()
               if isinstance(obj, type) and issubclass(obj, CallbackData) and obj is not CallbackData}
    assert set(registered()) == defined  # the classes in use, not drafts dataclass(slots=True) replaced
    prefixes = [t.prefix for t in registered()]
    assert len(prefixes) == len(set(prefixes)) == len(defined)


def test_a_second_type_with_a_taken_prefix_stops_the_import():
    with pytest.raises(TypeError, match="'sw' of .*Forged is taken by SwitchChoice"):
        @dataclass(frozen=True, slots=True)
        class Forged(CallbackData):
            prefix: ClassVar[str] = "sw"
            associate_id: int

    assert [t for t in registered() if t.prefix == "sw"] == [bot.interface.callbacks.SwitchChoice]


@pytest.mark.parametrize("prefix", ["a:b", "", "x|y", None])
def test_a_prefix_must_be_its_own_and_cannot_hold_a_separator(prefix):
    with pytest.raises(TypeError, match=re.escape(f"Odd needs a prefix of its own of letters, digits or '_', not {prefix!r}")):
        type("Odd", (CallbackData,), {} if prefix is None else {"prefix": prefix})
    assert "Odd" not in {t.__qualname__ for t in registered()}


def test_a_subclass_of_a_registered_type_cannot_inherit_its_prefix():
    with pytest.raises(TypeError, match="needs a prefix of its own"):
        class Again(bot.interface.callbacks.ShowCard):
            pass


@given(st.one_of(st.text(max_size=30), st.tuples(st.sampled_from([t.prefix for t in registered()]), st.text(max_size=30))
                 .map(lambda pair: ":".join(pair))))
def test_any_callback_data_belongs_to_one_type_at_most(data):
    claimed = [t for t in registered() if t.unpack(data) is not None or t.is_stale(data)]
    assert len(claimed) <= 1, (data, claimed)


# --- button data is not the domain's values ---------------------------------------------------

import ast  # noqa: E402
from pathlib import Path  # noqa: E402

COMMERCE = Path(__file__).resolve().parents[2] / "commerce"


def test_no_callback_data_type_shares_a_name_with_a_domain_value():
    """A page button and the page it shows are different things: one name for both lets a
    handler pass a client's bytes where commerce expects its own value, or the reverse."""
    domain = {node.name: str(path.relative_to(COMMERCE)) for path in COMMERCE.rglob("*.py")
              for node in ast.walk(ast.parse(path.read_text())) if isinstance(node, ast.ClassDef)}
    assert {t.__name__: domain[t.__name__] for t in registered() if t.__name__ in domain} == {}
