"""The order state machine against the lifecycle as the README states it: every action, from
every status, by every actor, for every kind of order; and random runs that never reach a
status the kind of order cannot have, nor leave a final one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from commerce.orders import (
    Action,
    Actor,
    Fulfilment,
    OrderEvent,
    OrderStatus,
    Payment,
    Refused,
    Why,
    allowed_actions,
    compatible,
    decide,
    reachable,
)

T = datetime(2025, 3, 1, 10, 0, tzinfo=UTC)

# The lifecycle, written out once more as the specification (README, "Orders"):
# action | from statuses | to (= : unchanged) | actors | which orders (all, invoice, unpaid, shipped, pickup) | reason?
SPEC = """
confirm             | pending_confirmation                               | confirmed            | associate                    | all     | -
propose_alternative | pending_confirmation                               | alternative_proposed | associate                    | all     | -
accept_alternative  | alternative_proposed                               | confirmed            | member                       | all     | -
decline_alternative | alternative_proposed                               | cancelled            | member                       | all     | -
decline             | pending_confirmation alternative_proposed          | cancelled            | associate                    | all     | reason
request_payment     | confirmed                                          | awaiting_payment     | system associate             | invoice | -
pay                 | awaiting_payment                                   | paid                 | system api                   | invoice | -
pack                | paid                                               | packed               | associate courier api        | invoice | -
pack                | confirmed                                          | packed               | associate courier api        | unpaid  | -
set_eta             | packed out_for_delivery                            | =                    | associate courier api        | shipped | -
ship                | packed                                             | out_for_delivery     | associate courier api        | shipped | -
ready               | packed                                             | ready_for_pickup     | associate api                | pickup  | -
deliver             | out_for_delivery                                   | delivered            | associate courier api        | shipped | -
pick_up             | ready_for_pickup                                   | picked_up            | associate api                | pickup  | -
cancel              | pending_confirmation alternative_proposed confirmed awaiting_payment | cancelled | member associate hq api | all | -
cancel              | packed out_for_delivery ready_for_pickup           | cancelled            | associate hq api courier     | unpaid  | reason
expire              | alternative_proposed confirmed awaiting_payment    | cancelled            | system                       | all     | -
refund              | paid packed out_for_delivery ready_for_pickup      | refunded             | associate hq api             | invoice | reason
refund              | delivered picked_up                                | refunded             | associate hq api             | all     | reason
"""

KINDS = [(payment, fulfilment) for payment in Payment for fulfilment in Fulfilment if compatible(payment, fulfilment)]


def matches(which: str, payment: Payment, fulfilment: Fulfilment) -> bool:
    return {"all": True, "invoice": payment is Payment.INVOICE, "unpaid": payment is not Payment.INVOICE,
            "shipped": fulfilment is not Fulfilment.PICKUP, "pickup": fulfilment is Fulfilment.PICKUP}[which]


def spec_rows() -> list[tuple[Action, set[OrderStatus], str, set[Actor], str, bool]]:
    rows = []
    for line in SPEC.strip().splitlines():
        action, sources, target, actors, which, reason = (cell.strip() for cell in line.split("|"))
        rows.append((Action(action), {OrderStatus(s) for s in sources.split()}, target,
                     {Actor(a) for a in actors.split()}, which, reason == "reason"))
    return rows


def expected(status: OrderStatus, payment: Payment, fulfilment: Fulfilment, action: Action,
             actor: Actor) -> OrderStatus | Why:
    rows = [row for row in spec_rows() if row[0] is action and status in row[1] and matches(row[4], payment, fulfilment)]
    if not rows:
        return Why.NOT_NOW
    for _, _, target, actors, _, _ in rows:
        if actor in actors:
            return status if target == "=" else OrderStatus(target)
    return Why.NOT_YOUR_ROLE


@pytest.mark.parametrize(("payment", "fulfilment"), KINDS, ids=lambda v: str(v))
def test_every_action_from_every_status_by_every_actor_follows_the_table(payment: Payment, fulfilment: Fulfilment):
    checked = 0
    for status in OrderStatus:
        for action in Action:
            if action is Action.PLACE:
                continue
            for actor in Actor:
                want = expected(status, payment, fulfilment, action, actor)
                got = decide(status, payment, fulfilment, action, actor, T, actor_id=7, reason="because")
                if isinstance(want, Why):
                    assert got == Refused(action, status, actor, want), (status, action, actor)
                else:
                    assert got == OrderEvent(action, status, want, actor, T, 7, "because"), (status, action, actor)
                checked += 1
    assert checked == len(OrderStatus) * (len(Action) - 1) * len(Actor)


@pytest.mark.parametrize(("payment", "fulfilment"), KINDS, ids=lambda v: str(v))
def test_declines_refunds_and_late_cancellations_need_a_reason(payment: Payment, fulfilment: Fulfilment):
    for action, sources, _, actors, which, needs_reason in spec_rows():
        if not matches(which, payment, fulfilment):
            continue
        for status in sources:
            actor = min(actors)
            for reason in (None, "", "   "):
                got = decide(status, payment, fulfilment, action, actor, T, reason=reason)
                if needs_reason:
                    assert got == Refused(action, status, actor, Why.REASON_REQUIRED)
                else:
                    assert isinstance(got, OrderEvent) and got.reason is None


def test_the_only_statuses_an_order_can_reach_are_those_of_its_kind():
    everything = set(OrderStatus)
    s = OrderStatus
    pickup_only, shipped_only = {s.READY_FOR_PICKUP, s.PICKED_UP}, {s.OUT_FOR_DELIVERY, s.DELIVERED}
    prepaid_only = {s.AWAITING_PAYMENT, s.PAID}
    assert reachable(Payment.INVOICE, Fulfilment.DELIVERY) == everything - pickup_only
    assert reachable(Payment.INVOICE, Fulfilment.EXPRESS) == everything - pickup_only
    assert reachable(Payment.INVOICE, Fulfilment.PICKUP) == everything - shipped_only
    assert reachable(Payment.ON_DELIVERY, Fulfilment.DELIVERY) == everything - pickup_only - prepaid_only
    assert reachable(Payment.AT_PICKUP, Fulfilment.PICKUP) == everything - shipped_only - prepaid_only


def test_paying_at_pickup_needs_a_pickup_and_paying_on_delivery_a_delivery():
    assert not compatible(Payment.AT_PICKUP, Fulfilment.DELIVERY)
    assert not compatible(Payment.ON_DELIVERY, Fulfilment.PICKUP)
    assert compatible(Payment.INVOICE, Fulfilment.EXPRESS)


def test_a_refusal_says_why_in_words():
    refused = decide(OrderStatus.DELIVERED, Payment.INVOICE, Fulfilment.DELIVERY, Action.CANCEL, Actor.MEMBER, T)
    assert isinstance(refused, Refused) and refused.message == "an order that is delivered cannot be cancelled"
    by_member = decide(OrderStatus.PENDING_CONFIRMATION, Payment.INVOICE, Fulfilment.DELIVERY, Action.CONFIRM,
                       Actor.MEMBER, T)
    assert isinstance(by_member, Refused) and by_member.message == "a member cannot confirm an order"


def test_what_an_actor_may_do_now_is_what_decide_accepts():
    for payment, fulfilment in KINDS:
        for status in OrderStatus:
            for actor in Actor:
                accepted = [a for a in Action if a is not Action.PLACE
                            and isinstance(decide(status, payment, fulfilment, a, actor, T, reason="r"), OrderEvent)]
                assert allowed_actions(status, payment, fulfilment, actor) == accepted


FINAL = {OrderStatus.CANCELLED, OrderStatus.REFUNDED}
steps = st.lists(st.tuples(st.sampled_from([a for a in Action if a is not Action.PLACE]), st.sampled_from(list(Actor)),
                           st.sampled_from([None, "a reason"])), max_size=40)


@settings(max_examples=300, deadline=None)
@given(kind=st.sampled_from(KINDS), run=steps)
def test_random_runs_stay_within_reachable_statuses_and_final_ones_stay_final(kind, run):
    payment, fulfilment = kind
    allowed = reachable(payment, fulfilment)
    status, at = OrderStatus.PENDING_CONFIRMATION, T
    for action, actor, reason in run:
        at += timedelta(minutes=1)
        got = decide(status, payment, fulfilment, action, actor, at, reason=reason)
        if status in FINAL:
            assert isinstance(got, Refused) and got.why is Why.NOT_NOW
            continue
        if isinstance(got, Refused):
            continue
        assert got.from_status is status and got.at == at and got.actor is actor
        assert expected(status, payment, fulfilment, action, actor) == got.to_status
        status = got.to_status
        assert status in allowed
