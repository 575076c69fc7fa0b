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
