"""The member's checkout in the consumer bot, one use case per thing they do: start it from a
product card's Buy (or Reserve for pickup), press a step's button, type or share what a step
asks for, cancel. Each takes the member as the server knows them and returns what to show
(CheckoutView), why the checkout is over (Shut), or the order placed (OrderPlaced).

The state lives in the checkout table (commerce.checkout_steps has the rules); a button
carries only the checkout's id, its step and the choice, and is honoured only for the
member's own open checkout at that very step.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from commerce.bots import BotKind, Role
from commerce.catalog import CatalogItem, price_for
from commerce.checkout_steps import (
    Checkout,
    Hitch,
    Step,
    back,
    check_address,
    check_fulfilment,
    check_location,
    check_quantity,
    check_variant,
    forward,
    new_checkout,
    quantity_limit,
    read_contact,
)
from commerce.checkout_values import (
    CheckoutShown,
    CheckoutView,
    Closed,
    Option,
    OrderPlaced,
    Shut,
    Totals,
    Typed,
)
from commerce.geo import Place
from commerce.identity import Identity
from commerce.messages import Outbound, Postbox
from commerce.order_moves import reward_discount
from commerce.order_values import Delivery
from commerce.ordering import NotPlaced, OrderRequest, Problem, place_order
from commerce.orders import Fulfilment
from commerce.people import Member, Store
from commerce.ports.uow import UnitOfWork
from commerce.rewards import usable_reward
from commerce.shop_policy import shop_policy

CONSUMER = BotKind.CONSUMER


# --- the use cases ---------------------------------------------------------------------------


async def start_checkout(uow: UnitOfWork, who: Identity, product_id: int, now: datetime, *, reserve: bool = False,
                         variant_id: int | None = None, pay_in_chat: bool = False) -> CheckoutView | Shut:
    """Buy (or Reserve for pickup) on a product's card: a new checkout in place of the
    member's previous one, at its first step."""
    member = who.member
    if who.role is not Role.MEMBER or member is None or member.id is None:
        return Shut(Closed.NOT_A_MEMBER)
    item = await uow.catalog.item(product_id)
    if item is None or item.product.brand_id != member.brand_id or not item.offered:
        return Shut(Closed.NOT_OFFERED)
    offered = tuple(v.id for v in item.offered if v.id is not None)
    checkout = new_checkout(member.id, product_id, reserve, offered, now)
    if variant_id is not None and variant_id in offered and len(offered) > 1:
        checkout = forward(checkout, True, now, variant_id=variant_id)
    previous = await uow.checkouts.of_member(member.id)
    checkout = await uow.checkouts.open(checkout)
    return await _view(uow, who, checkout, item, from_step=previous.step if previous is not None else None,
                       pay_in_chat=pay_in_chat)


async def press_checkout(uow: UnitOfWork, who: Identity, checkout_id: int, step: str, choice: str,
                         now: datetime, *, pay_in_chat: bool = False) -> CheckoutView | Shut | OrderPlaced:
    """A step's button: the choice, Back, Cancel, the reward on or off, or Place order.
    `pay_in_chat`: a payment provider is set (see checkout_payment)."""
    found = await _open(uow, who, checkout_id, now)
    if isinstance(found, Shut):
        return found
    checkout, item = found
    if step != checkout.step.value:
        return Shut(Closed.STALE)
    if choice == "cancel":
        await uow.checkouts.close(checkout_id)
        return Shut(Closed.CANCELLED, was_typing=checkout.waits_for_text)
    view = await _view(uow, who, checkout, item, pay_in_chat=pay_in_chat)
    if choice == "back":
        earlier = back(checkout, view.choose_variant, now)
        return await _saved(uow, who, earlier, item, checkout.step, pay_in_chat) if earlier is not None else view
    if checkout.step is Step.REVIEW:
        return await _review_choice(uow, who, view, choice, now)
    moved = _choose(view, choice, now)
    if isinstance(moved, Hitch):
        return replace(view, hitch=moved, from_step=checkout.step)
    return await _saved(uow, who, moved, item, checkout.step, pay_in_chat)


async def waiting_checkout(uow: UnitOfWork, member: Member, now: datetime) -> Checkout | None:
    """The member's open checkout, if it waits for them to type or share something."""
    assert member.id is not None
    checkout = await uow.checkouts.of_member(member.id)
    return checkout if checkout is not None and checkout.waits_for_text and not checkout.expired(now) else None


async def type_into_checkout(uow: UnitOfWork, who: Identity, typed: Typed, now: datetime, *,
                             pay_in_chat: bool = False) -> CheckoutView | Shut | None:
    """What the member typed or shared, for their checkout waiting for it; None when no
    checkout waits (the message is for their associate)."""
    member = who.member
    if member is None:
        return None
    checkout = await waiting_checkout(uow, member, now)
    if checkout is None:
        return None
    item = await uow.catalog.item(checkout.product_id)
    if item is None or not item.offered:
        await uow.checkouts.close(checkout.id)  # type: ignore[arg-type]
        return Shut(Closed.NOT_OFFERED, was_typing=True)
    view = await _view(uow, who, checkout, item, pay_in_chat=pay_in_chat)
    taken = _typed(view, typed, member, now)
    if isinstance(taken, Hitch):
        return replace(view, hitch=taken, from_step=checkout.step)
    return await _saved(uow, who, taken, item, checkout.step, pay_in_chat)


async def take_into_checkout(uow: UnitOfWork, postbox: Postbox, who: Identity, chat_id: int, locale: str,
                             typed: Typed, now: datetime, *, pay_in_chat: bool = False) -> bool:
    """The relay's rule: an open checkout waiting for typing takes the member's message
    (shown the checkout's next step), instead of their associate. False: none waits."""
    shown = await type_into_checkout(uow, who, typed, now, pay_in_chat=pay_in_chat)
    if shown is None:
        return False
    await postbox.post(Outbound(CONSUMER, chat_id, CheckoutShown(locale, shown)))
    return True


async def cancel_checkout(uow: UnitOfWork, who: Identity) -> Shut | None:
    """/cancel: the member's open checkout ends; None when there is none."""
    member = who.member
    if member is None or member.id is None:
        return None
    checkout = await uow.checkouts.of_member(member.id)
    if checkout is None or checkout.id is None:
        return None
    await uow.checkouts.close(checkout.id)
    return Shut(Closed.CANCELLED, was_typing=checkout.waits_for_text)


# --- the steps -------------------------------------------------------------------------------


def _choose(view: CheckoutView, choice: str, now: datetime) -> Checkout | Hitch:
    checkout = view.checkout
    step = checkout.step
    if step is Step.VARIANT:
        option = next((o for o in view.options if str(o.variant.id) == choice), None)
        hitch = check_variant(option.available if option is not None else None)
        if hitch is not None or option is None:
            return hitch or Hitch.NOT_OFFERED
        quantity = checkout.quantity if checkout.quantity and checkout.quantity <= quantity_limit(option.available) else None
        return forward(checkout, view.choose_variant, now, variant_id=option.variant.id, quantity=quantity)
    if step is Step.QUANTITY:
        chosen = view.chosen
        if chosen is None:
            return Hitch.NOT_OFFERED
        quantity = int(choice) if choice.isascii() and choice.isdigit() and len(choice) < 4 else 0
        hitch = check_quantity(quantity, chosen.available)
        return hitch if hitch is not None else forward(checkout, view.choose_variant, now, quantity=quantity)
    if step is Step.FULFILMENT:
        try:
            fulfilment = Fulfilment(choice)
        except ValueError:
            return Hitch.NOT_OFFERED
        hitch = check_fulfilment(fulfilment, _store_place(view.store))
        if hitch is not None:
            return hitch
        changes: dict[str, object] = {"fulfilment": fulfilment}
        if fulfilment is not checkout.fulfilment:  # another way of getting it: where to is asked again
            changes |= {"address": None, "latitude": None, "longitude": None}
        return forward(checkout, view.choose_variant, now, **changes)
    return Hitch.EMPTY  # the typed steps take no buttons but Back and Cancel


def _typed(view: CheckoutView, typed: Typed, member: Member, now: datetime) -> Checkout | Hitch:
    checkout = view.checkout
    if checkout.step is Step.CONTACT:
        if typed.contact is not None:
            name, phone = typed.contact
            read = (name.strip() or member.first_name, phone.strip())
        else:
            read = read_contact(typed.text or "", member.first_name)
        if isinstance(read, Hitch):
            return read
        return forward(checkout, view.choose_variant, now, contact_name=read[0][:200], phone=read[1][:32])
    if typed.place is not None:
        hitch = check_location(typed.place, checkout.fulfilment, _store_place(view.store), view.radius_km)
        if hitch is not None:
            return hitch
        return forward(checkout, view.choose_variant, now, latitude=typed.place.latitude,
                       longitude=typed.place.longitude, address=None)
    address = check_address(typed.text or "", checkout.fulfilment)
    if isinstance(address, Hitch):
        return address
    return forward(checkout, view.choose_variant, now, address=address, latitude=None, longitude=None)


async def _review_choice(uow: UnitOfWork, who: Identity, view: CheckoutView, choice: str,
                         now: datetime) -> CheckoutView | OrderPlaced:
    checkout = view.checkout
    if choice in ("reward_on", "reward_off"):
        changed = replace(checkout, use_reward=choice == "reward_on", updated_at=now)
        await uow.checkouts.save(changed)
        return await _view(uow, who, changed, view.item, from_step=checkout.step, pay_in_chat=view.pay_in_chat)
    if choice != "place":
        return replace(view, hitch=Hitch.EMPTY, from_step=checkout.step)
    chosen = view.chosen
    assert checkout.id is not None and checkout.quantity is not None and checkout.fulfilment is not None
    if chosen is None:
        return replace(view, hitch=Hitch.NOT_OFFERED, from_step=checkout.step)
    payment = view.payment
    delivery = Delivery(checkout.contact_name, checkout.phone, checkout.address, checkout.latitude, checkout.longitude)
    use_reward = checkout.use_reward and view.totals is not None and view.totals.reward_percent is not None
    request = OrderRequest(chosen.variant.id, checkout.quantity, checkout.fulfilment, payment, delivery,  # type: ignore[arg-type]
                           use_reward=use_reward)
    placed = await place_order(uow, who, request, now)
    if isinstance(placed, NotPlaced):
        if placed.problem in (Problem.REWARD_USED, Problem.NO_REWARD):  # another checkout took it first
            changed = replace(checkout, use_reward=False, updated_at=now)
            await uow.checkouts.save(changed)
            fresh = await _view(uow, who, changed, view.item, from_step=checkout.step, pay_in_chat=view.pay_in_chat)
            return replace(fresh, hitch=Hitch.REWARD_GONE)
        return replace(view, hitch=Hitch.NOT_OFFERED, from_step=checkout.step)
    await uow.checkouts.close(checkout.id)
    order = placed.order
    associate = await uow.associates.get(order.associate_id) if order.associate_id is not None else None
    return OrderPlaced(order, view.member, view.item, chosen.variant, associate)


# --- reading and saving ----------------------------------------------------------------------


async def _open(uow: UnitOfWork, who: Identity, checkout_id: int, now: datetime) -> tuple[Checkout, CatalogItem] | Shut:
    member = who.member
    if who.role is not Role.MEMBER or member is None or member.id is None:
        return Shut(Closed.NOT_A_MEMBER)
    checkout = await uow.checkouts.get(checkout_id)
    if checkout is None or checkout.member_id != member.id:  # another member's id looks like no checkout
        return Shut(Closed.STALE)
    if checkout.expired(now):
        await uow.checkouts.close(checkout_id)
        return Shut(Closed.EXPIRED, was_typing=checkout.waits_for_text)
    item = await uow.catalog.item(checkout.product_id)
    if item is None or not item.offered:
        await uow.checkouts.close(checkout_id)
        return Shut(Closed.NOT_OFFERED, was_typing=checkout.waits_for_text)
    return checkout, item


async def _saved(uow: UnitOfWork, who: Identity, checkout: Checkout, item: CatalogItem,
                 from_step: Step, pay_in_chat: bool) -> CheckoutView:
    await uow.checkouts.save(checkout)
    return await _view(uow, who, checkout, item, from_step=from_step, pay_in_chat=pay_in_chat)


async def _view(uow: UnitOfWork, who: Identity, checkout: Checkout, item: CatalogItem,
                from_step: Step | None = None, *, pay_in_chat: bool = False) -> CheckoutView:
    member = who.member
    assert member is not None and member.id is not None
    store = await _store_of(uow, who)
    radius = (await shop_policy(uow, member.brand_id)).same_day_radius_km
    offered = item.offered
    ids = [v.id for v in offered if v.id is not None]
    stock = await uow.stock.at_store(store.id, ids) if store is not None and store.id is not None else {}
    options = tuple(Option(v, v.price_minor, price_for(item.product, v, member.tier).minor,
                           stock[v.id].available if v.id in stock else 0) for v in offered)
    view = CheckoutView(checkout, member, item, store, options, len(options) > 1,
                        check_fulfilment(Fulfilment.DELIVERY, _store_place(store)) is None, radius, None,
                        from_step=from_step, pay_in_chat=pay_in_chat)
    chosen = view.chosen
    if chosen is None or checkout.quantity is None:
        return view
    subtotal = chosen.price_minor * checkout.quantity
    coupon = usable_reward(await uow.rewards.coupons_of(member.id), checkout.updated_at)
    percent = coupon.percent_off if coupon is not None else None
    discount = reward_discount(subtotal, percent) if percent is not None and checkout.use_reward else 0
    totals = Totals(item.product.currency, chosen.list_minor, chosen.price_minor, checkout.quantity, subtotal, discount, percent)
    return replace(view, totals=totals)


async def _store_of(uow: UnitOfWork, who: Identity) -> Store | None:
    """The store that would fulfil the member's order: their associate's, else the one they
    enrolled at (as commerce.ordering attributes orders)."""
    if who.link is not None and who.store is not None:
        return who.store
    member = who.member
    if who.link is not None and who.associate is not None:
        return await uow.stores.get(who.associate.store_id)
    return await uow.stores.get(member.store_id) if member is not None and member.store_id is not None else None


def _store_place(store: Store | None) -> Place | None:
    if store is None or store.latitude is None or store.longitude is None:
        return None
    return Place(store.latitude, store.longitude)


