"""Availability and escalation decided from values: where an associate stands (available,
away, off duty), reading /away, when an unanswered message is due for the store team,
who may claim an escalation and who may answer through it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from commerce.availability import (
    NOTE_LIMIT,
    Availability,
    Available,
    Away,
    AwayError,
    Escalation,
    EscalationStatus,
    OffHours,
    parse_away,
    presence,
    working_hours,
)
from commerce.conversations import ConversationMessage, Direction, MessageKind
from commerce.escalation import (
    ClaimFirst,
    Refusal,
    check_claim,
    check_claimed_reply,
    escalation_due,
    out_of_reach,
    team_for,
)
from commerce.hours import ALWAYS, parse_hours
from commerce.people import Associate, AssociateStatus, Link, Member, Store
from commerce.relay import MemberPaused, NotYourMember, ReplyTo

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY_NOON = datetime(2026, 11, 23, 12, 0, tzinfo=SHANGHAI)
STORE = Store(brand_id=1, code="SH1", name="Xintiandi", timezone="Asia/Shanghai", hours="Mon-Sat 10:00-22:00", id=1)
OTHER_STORE_ID = 2
STARTED = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)  # when the team opened the staff bot
BOB = Associate(store_id=1, display_name="Bob", short_code="B", telegram_user_id=11, staff_bot_since=STARTED, id=1)
LINA = Associate(store_id=1, display_name="Lina", short_code="L", telegram_user_id=12, staff_bot_since=STARTED, id=2)
CAROL = Associate(store_id=1, display_name="Carol", short_code="C", telegram_user_id=13, staff_bot_since=STARTED, id=3)
WEI = Associate(store_id=OTHER_STORE_ID, display_name="Wei", short_code="W", telegram_user_id=14, staff_bot_since=STARTED, id=4)
ALICE = Member(brand_id=1, telegram_user_id=21, first_name="Alice", enrolled_at=MONDAY_NOON, id=5)
FIRST = ConversationMessage(member_id=5, associate_id=1, direction=Direction.IN, kind=MessageKind.TEXT,
                            created_at=MONDAY_NOON, text="Hello?", id=40)


def mine(**fields: object) -> Availability:
    return Availability(associate_id=1, updated_at=MONDAY_NOON, **fields)  # type: ignore[arg-type]


def escalation(**fields: object) -> Escalation:
    values: dict[str, object] = {"member_id": 5, "associate_id": 1, "store_id": 1, "message_id": 40,
                                 "opened_at": MONDAY_NOON, "id": 7}
    return Escalation(**{**values, **fields})  # type: ignore[arg-type]


# --- presence ------------------------------------------------------------------------------


def test_an_associate_without_settings_follows_the_store_hours() -> None:
    assert presence(None, STORE, MONDAY_NOON) == Available()
    sunday = datetime(2026, 11, 29, 12, 0, tzinfo=SHANGHAI)
    assert presence(None, STORE, sunday) == OffHours(datetime(2026, 11, 30, 10, 0, tzinfo=SHANGHAI))


def test_own_hours_replace_the_stores_and_away_beats_both() -> None:
    evenings = mine(hours="Mon-Fri 18:00-22:00")
    assert presence(evenings, STORE, MONDAY_NOON) == OffHours(datetime(2026, 11, 23, 18, 0, tzinfo=SHANGHAI))
    until = MONDAY_NOON + timedelta(hours=3)
    assert presence(mine(away_until=until, away_note="Trade fair"), STORE, MONDAY_NOON) == Away(until, "Trade fair")
    assert presence(mine(away_until=MONDAY_NOON), STORE, MONDAY_NOON) == Available(), "an away that ended is over"


def test_hours_that_no_longer_parse_never_silence_an_associate() -> None:
    assert working_hours(None, Store(brand_id=1, code="X", name="X", hours="whenever")) == ALWAYS


# --- /away ----------------------------------------------------------------------------------


HOURS = parse_hours("Mon-Sat 10:00-22:00")


@pytest.mark.parametrize(("written", "until", "note"), [
    ("18:00", datetime(2026, 11, 23, 18, 0, tzinfo=SHANGHAI), None),
    ("9:30 dentist", datetime(2026, 11, 24, 9, 30, tzinfo=SHANGHAI), "dentist"),  # past today: tomorrow
    ("2h", MONDAY_NOON + timedelta(hours=2), None),
    ("3d At the Milan fair", MONDAY_NOON + timedelta(days=3), "At the Milan fair"),
    ("1w", MONDAY_NOON + timedelta(weeks=1), None),
    ("2026-12-01", datetime(2026, 12, 1, 10, 0, tzinfo=SHANGHAI), None),  # back when the hours open that day
    ("2026-11-29", datetime(2026, 11, 29, 0, 0, tzinfo=SHANGHAI), None),  # a closed Sunday: from its start
    ("2026-12-01 14:00 back after lunch", datetime(2026, 12, 1, 14, 0, tzinfo=SHANGHAI), "back after lunch"),
])
def test_away_is_read_as_a_clock_time_a_duration_or_a_date_then_a_note(written: str, until: datetime, note: str | None) -> None:
    request = parse_away(written, MONDAY_NOON, SHANGHAI, HOURS)
    assert (request.until, request.note) == (until, note)


def test_away_for_days_comes_back_at_the_same_wall_clock_time_across_a_daylight_saving_change() -> None:
    paris = ZoneInfo("Europe/Paris")
    saturday_evening = datetime(2026, 10, 24, 18, 0, tzinfo=paris)  # the clocks go back that night
    for written, back in (("1d", datetime(2026, 10, 25, 18, 0, tzinfo=paris)), ("1w", datetime(2026, 10, 31, 18, 0, tzinfo=paris))):
        until = parse_away(written, saturday_evening.astimezone(UTC), paris, ALWAYS).until
        assert until.astimezone(paris).replace(tzinfo=None) == back.replace(tzinfo=None), written
    assert parse_away("24h", saturday_evening, paris, ALWAYS).until.astimezone(paris).hour == 17, "hours are hours"


@pytest.mark.parametrize(("written", "reason"), [
    ("", "format"), ("soon", "format"), ("25:00", "format"), ("2026-02-30", "format"),
    ("2026-11-01", "past"), ("0h", "past"), ("2028-01-01", "too_far"), ("400d", "too_far"),
])
def test_unreadable_or_impossible_away_times_are_refused_with_a_reason(written: str, reason: str) -> None:
    with pytest.raises(AwayError) as error:
        parse_away(written, MONDAY_NOON, SHANGHAI, HOURS)
    assert error.value.reason == reason


def test_an_away_note_over_the_limit_is_refused_with_its_length_never_cut() -> None:
    longest = "x" * NOTE_LIMIT
    assert parse_away(f"2h  {longest}  ", MONDAY_NOON, SHANGHAI, HOURS).note == longest
    with pytest.raises(AwayError) as error:
        parse_away(f"2h {longest} y", MONDAY_NOON, SHANGHAI, HOURS)
    assert (error.value.reason, error.value.length) == ("note_too_long", NOTE_LIMIT + 2)


# --- escalation timing ------------------------------------------------------------------------


def test_a_message_escalates_after_the_minutes_counted_while_the_store_is_open() -> None:
    assert not escalation_due(STORE, MONDAY_NOON, MONDAY_NOON + timedelta(minutes=29), 30)
    assert escalation_due(STORE, MONDAY_NOON, MONDAY_NOON + timedelta(minutes=30), 30)
    late = datetime(2026, 11, 23, 21, 50, tzinfo=SHANGHAI)  # ten minutes before closing
    assert not escalation_due(STORE, late, late + timedelta(hours=2), 30), "closed: nobody to ask"
    assert not escalation_due(STORE, late, datetime(2026, 11, 24, 10, 15, tzinfo=SHANGHAI), 30)  # 25 open minutes
    assert escalation_due(STORE, late, datetime(2026, 11, 24, 10, 20, tzinfo=SHANGHAI), 30)
    assert not escalation_due(STORE, MONDAY_NOON, MONDAY_NOON + timedelta(days=1), 0), "0 turns it off"


def test_the_card_goes_to_the_other_active_reachable_associates_of_the_store() -> None:
    gone = Associate(store_id=1, display_name="Gus", short_code="G", telegram_user_id=15, status=AssociateStatus.DEACTIVATED,
                     staff_bot_since=STARTED, id=6)
    unbound = Associate(store_id=1, display_name="Ana", short_code="A", id=7)
    never_opened = Associate(store_id=1, display_name="Max", short_code="M", telegram_user_id=16, id=8)
    team = [BOB, LINA, CAROL, WEI, gone, unbound, never_opened]
    assert team_for(escalation(), team) == [LINA, CAROL]
    assert out_of_reach(escalation(), team) == [unbound, never_opened], "named to the owner; the owner and Gus are not"
    assert team_for(escalation(), [BOB, never_opened]) == []


# --- claiming -----------------------------------------------------------------------------------


def test_only_a_teammate_of_the_store_may_claim_an_open_escalation() -> None:
    assert check_claim(escalation(), LINA) is None
    assert check_claim(None, LINA) == Refusal.NOT_FOUND
    assert check_claim(escalation(), WEI) == Refusal.NOT_FOUND, "another store's escalation is not even named"
    retired = Associate(store_id=1, display_name="Old", short_code="O", status=AssociateStatus.DEACTIVATED, id=8)
    assert check_claim(escalation(), retired) == Refusal.NOT_FOUND
    assert check_claim(escalation(), BOB) == Refusal.OWN_MEMBER
    claimed = escalation(status=EscalationStatus.CLAIMED, claimed_by=CAROL.id)
    assert check_claim(claimed, LINA) == Refusal.TAKEN
    assert check_claim(claimed, CAROL) == Refusal.YOURS
    assert check_claim(escalation(status=EscalationStatus.CLOSED), LINA) == Refusal.DONE


def test_only_the_claimer_answers_through_an_escalation_while_the_link_is_unchanged() -> None:
    link = Link(member_id=5, associate_id=1, started_at=MONDAY_NOON)
    claimed = escalation(status=EscalationStatus.CLAIMED, claimed_by=CAROL.id)
    assert check_claimed_reply(CAROL, STORE, claimed, ALICE, link, FIRST) == ReplyTo(ALICE, CAROL, STORE, FIRST)
    answered = escalation(status=EscalationStatus.ANSWERED, claimed_by=CAROL.id)
    assert isinstance(check_claimed_reply(CAROL, STORE, answered, ALICE, link, FIRST), ReplyTo), "a follow-up is fine"
    assert isinstance(check_claimed_reply(LINA, STORE, claimed, ALICE, link, FIRST), NotYourMember)
    assert isinstance(check_claimed_reply(LINA, STORE, escalation(), ALICE, link, FIRST), ClaimFirst)
    closed = escalation(status=EscalationStatus.CLOSED, claimed_by=CAROL.id)
    assert isinstance(check_claimed_reply(CAROL, STORE, closed, ALICE, link, FIRST), NotYourMember)
    moved = Link(member_id=5, associate_id=LINA.id, started_at=MONDAY_NOON)  # type: ignore[arg-type]
    assert isinstance(check_claimed_reply(CAROL, STORE, claimed, ALICE, moved, FIRST), NotYourMember)
    paused = Member(brand_id=1, telegram_user_id=21, first_name="Alice", enrolled_at=MONDAY_NOON, consent_chat=False, id=5)
    assert isinstance(check_claimed_reply(CAROL, STORE, claimed, paused, link, FIRST), MemberPaused)


# --- the brand file carries the two settings and checks store hours -----------------------------


def test_the_brand_file_sets_the_auto_reply_window_and_escalation_delay_and_checks_store_hours() -> None:
    from bot.cli.brandfile import document_from_yaml
    from commerce.brand_document import BrandFileError
    from commerce.brand_plan import plan_brand

    plan = plan_brand(document_from_yaml(
        "brand: {name: Maison, auto_reply_hours: 6, escalation_minutes: 0}\n"
        "stores: [{code: SH1, name: Xintiandi, hours: 'Mon-Sat 10:00-22:00'}]\n", "brand.yaml"))
    assert plan.brand is not None and (plan.brand.auto_reply_hours, plan.brand.escalation_minutes) == (6, 0)
    defaults = plan_brand(document_from_yaml("brand: {name: Maison}\n", "brand.yaml"))
    assert defaults.brand is not None and (defaults.brand.auto_reply_hours, defaults.brand.escalation_minutes) == (12, 30)
    with pytest.raises(BrandFileError) as error:
        plan_brand(document_from_yaml(
            "brand: {name: Maison, escalation_minutes: -5}\n"
            "stores: [{code: SH1, name: Xintiandi, hours: 'Mon-Sat 10-22'}]\n", "brand.yaml"))
    assert error.value.problems == [
        "brand.yaml: brand: escalation_minutes '-5' is not a whole number from 0 to 10080",
        "brand.yaml: stores[0]: hours 'Mon-Sat 10-22' cannot be read at 'Mon-Sat 10-22' "
        "(write e.g. Mon-Fri 10:00-19:00, Sat 11:00-17:00)",
    ]


def test_a_claimer_who_moved_to_another_store_no_longer_answers_through_the_escalation() -> None:
    link = Link(member_id=5, associate_id=1, started_at=MONDAY_NOON)
    claimed = escalation(status=EscalationStatus.CLAIMED, claimed_by=CAROL.id)
    moved_away = Associate(store_id=OTHER_STORE_ID, display_name="Carol", short_code="C", telegram_user_id=13, id=3)
    other_store = Store(brand_id=1, code="BJ1", name="Sanlitun", id=OTHER_STORE_ID)
    assert isinstance(check_claimed_reply(moved_away, other_store, claimed, ALICE, link, FIRST), NotYourMember)
