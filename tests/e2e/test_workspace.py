"""The associate's member workspace, end to end: the header and buttons under a relayed
message, the profile card, tags and notes (buttons, the next message, /tag, /untag, /note),
/members with filters and paging, writing to a member from /chats until /done, and
ownership: another associate's member shows nothing, whatever data the client forges.

Given the store of the enrollment tests (Bob and Lina). Both stacks run every test.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from bot.interface.callbacks import MemberAction, MembersPage, OpenChat, RemoveTag
from commerce.workspace_values import Focus, FocusMode, MemberTag
from commerce.conversations import Direction
from commerce.people import Link, LinkReason, Member
from commerce.workspace import set_tier
from storage.backends import SendLimits
from tests.e2e.scenario import (
    STORE_NAME,
    associate_reads,
    buttons,
    chats,
    enrol,
    history_of,
    member_says,
    membership,
    open_shop,
    press,
    push_callback,
    settle,
    wait_for_edit,
    wait_for_text,
)

PERSONA = f"Bob · {STORE_NAME}"


@pytest.fixture
def stack_limits() -> SendLimits:
    """An associate's chat gets many short answers here; Telegram's pace of one message a
    second per chat is the sender's business (tests/e2e/test_delivery.py), not this one's."""
    return SendLimits(per_chat_rate=50.0, per_chat_burst=20)


@pytest.fixture(autouse=True)
async def quick_chats(stack) -> None:
    """The sandbox's flood control, raised to match stack_limits."""
    await stack.people.set_limits(per_chat_rate=50.0, per_chat_burst=20)


async def says(stack, user: int, text: str, needle: str, *, reply_to: int | None = None) -> dict[str, Any]:
    """The associate sends text (a reply if reply_to) and gets the bot's answer containing needle."""
    sent = await stack.people.send_text(user, stack.associate_bot, text, reply_to_message_id=reply_to)
    return await wait_for_text(stack, user, stack.associate_bot, needle, after=sent["message_id"])


async def pressed(stack, user: int, message: dict[str, Any], data: str, needle: str) -> dict[str, Any]:
    """Press a button the message has; the bot's next message containing needle."""
    await press(stack, user, stack.associate_bot, message, data)
    return await wait_for_text(stack, user, stack.associate_bot, needle, after=message["message_id"])


async def forged(stack, user: int, message: dict[str, Any], data: str, needle: str, *, after: int | None = None) -> dict[str, Any]:
    """Button data of the client's choosing, pressed on a message of the bot's."""
    await push_callback(stack, user, stack.associate_bot, message["message_id"], data)
    return await wait_for_text(stack, user, stack.associate_bot, needle, after=after or message["message_id"])


async def give_tier(stack, user: int, tier: str) -> Member:
    services = stack.runtime.services
    state = await membership(stack, user)
    async with services.uow() as uow:
        member = await set_tier(uow, state.member, tier, "cli", services.clock.now())
        await uow.commit()
    return member


async def audit_of(stack, member_id: int) -> list[tuple[str, str, dict]]:
    async with stack.runtime.services.uow() as uow:
        entries = await uow.audit.recent(100)
    return [(e.actor, e.action, e.details) for e in reversed(entries) if e.subject == f"member:{member_id}" and e.action.startswith("member.")]


async def test_the_header_shows_tier_and_tags_and_the_profile_card_describes_the_member(stack):
    shop = await open_shop(stack)
    alice = await stack.person("Alice")
    await enrol(stack, shop, alice, shop.bob)
    member = await give_tier(stack, alice, "Gold")
    async with stack.runtime.services.uow() as uow:  # she shared her phone number
        member.phone = "+8613800000000"
        await uow.members.update(member)
        await uow.commit()

    said = await stack.people.send_text(alice, stack.consumer_bot, "Is the navy scarf back?")
    first = await associate_reads(stack, shop.bob_user, "navy scarf")
    tagged = await says(stack, shop.bob_user, "/tag VIP #bags", "#bags", reply_to=first["message_id"])
    noted = await says(stack, shop.bob_user, "/note Prefers navy,\nsize M", "Note saved", reply_to=first["message_id"])
    await member_says(stack, alice, "And gloves?")
    second = await associate_reads(stack, shop.bob_user, "gloves")
    card = await pressed(stack, shop.bob_user, second, MemberAction("profile", member.id).pack(), "Enrolled")
    await stack.people.edit_text(alice, stack.consumer_bot, said["message_id"], "Is the navy scarf back in M?")
    edited = await wait_for_edit(stack, shop.bob_user, stack.associate_bot, first, "in M?")

    assert first["text"] == f"💬 Alice · Gold · {STORE_NAME}\nIs the navy scarf back?"
    assert second["text"] == f"💬 Alice · Gold · {STORE_NAME} · #bags #vip\nAnd gloves?", "tags as of the moment of relaying"
    assert buttons(second) == [("👤 Profile", MemberAction("profile", member.id).pack()),
                               ("🏷 Tags & notes", MemberAction("tags", member.id).pack())]
    assert tagged["text"] == "🏷 #vip added to Alice.\n🏷 #bags added to Alice." and "Alice" in noted["text"]
    lines = card["text"].splitlines()
    assert lines[0] == f"👤 Alice @{member.username}"
    assert lines[1:3] == ["Tier: Gold", f"Store: {STORE_NAME}"]
    assert lines[3].startswith("Enrolled ") and lines[3].endswith(" by Bob")
    assert lines[4:7] == ["Chat: on · Offers: on", "Reachable: yes · Phone on file: yes", "Tags: #bags #vip"]
    assert lines[7].startswith("Last contact: ") and lines[7].endswith("from them · 2 messages")
    assert lines[9] == "Notes" and lines[10].endswith("Bob: Prefers navy, size M")
    assert "13800000000" not in card["text"]
    assert [label for label, _ in buttons(card)] == ["🏷 Tags & notes", "✍️ Write", "📜 History", "🛍 Send a product"]
    assert edited["text"].endswith("Is the navy scarf back in M?") and buttons(edited) == buttons(first), "an edit keeps the buttons"
    assert [(actor, action) for actor, action, _ in await audit_of(stack, member.id)] == [
        ("cli", "member.tier.set"), (f"associate:{shop.bob.id}", "member.tag.added"),
        (f"associate:{shop.bob.id}", "member.tag.added"), (f"associate:{shop.bob.id}", "member.note.added")]


async def test_tags_and_notes_are_added_and_removed_through_the_buttons_and_the_next_message(stack):
    shop = await open_shop(stack)
    user = (await stack.people.create_user("<i>Zoë</i> & Co", username="zoe_co", language_code="en"))["id"]
    await enrol(stack, shop, user, shop.bob)
    member = (await membership(stack, user)).member
    await member_says(stack, user, "Hello <b>there</b>")
    relayed = await associate_reads(stack, shop.bob_user, "there")

    view = await pressed(stack, shop.bob_user, relayed, MemberAction("tags", member.id).pack(), "Tags & notes")
    ask = await pressed(stack, shop.bob_user, view, MemberAction("addtag", member.id).pack(), "Send the tag")
    bad = await says(stack, shop.bob_user, "not a tag!", "A tag is one word")
    added = await says(stack, shop.bob_user, "Gift-Idea", "added")
    with_tag = await wait_for_text(stack, shop.bob_user, stack.associate_bot, "Tags & notes", after=added["message_id"])
    await pressed(stack, shop.bob_user, with_tag, MemberAction("addtag", member.id).pack(), "Send the tag")
    cjk = await says(stack, shop.bob_user, "礼品", "added")
    await pressed(stack, shop.bob_user, with_tag, MemberAction("addnote", member.id).pack(), "Send your note")
    too_long = await says(stack, shop.bob_user, "x" * 1001, "1001")
    saved = await says(stack, shop.bob_user, "<b>size 38</b> & up", "Note saved")
    latest = await wait_for_text(stack, shop.bob_user, stack.associate_bot, "size 38", after=saved["message_id"])
    after_note = await says(stack, shop.bob_user, "just chatting", "Reply to a member's message")
    remove = [data for label, data in buttons(latest) if label == "✕ #gift-idea"]
    await press(stack, shop.bob_user, stack.associate_bot, latest, remove[0])
    redrawn = await wait_for_edit(stack, shop.bob_user, stack.associate_bot, latest, "Tags: #礼品")

    assert view["text"].splitlines()[0] == "🏷 Tags & notes · <i>Zoë</i> & Co"
    assert "Tags: none" in view["text"] and "No notes yet." in view["text"]
    assert "<i>Zoë</i> & Co" in ask["text"] and "Send it again" in bad["text"]
    assert added["text"] == "🏷 #gift-idea added to <i>Zoë</i> & Co." and "#礼品 added" in cjk["text"]
    assert "Nothing was saved" in too_long["text"] and "Send it again" in too_long["text"]
    assert latest["text"].splitlines()[-1].endswith("Bob: <b>size 38</b> & up"), "a note is shown as written"
    assert "Reply to a member's message" in after_note["text"], "a pending note takes one message"
    assert [label for label, _ in buttons(redrawn)][:1] == ["✕ #礼品"] and "gift-idea" not in redrawn["text"]
    assert [(action, details.get("tag")) for _, action, details in await audit_of(stack, member.id)] == [
        ("member.tag.added", "gift-idea"), ("member.tag.added", "礼品"), ("member.note.added", None),
        ("member.tag.removed", "gift-idea")]


async def quiet_members(stack, shop, count: int, *, tier: str | None = None, tag: str | None = None) -> list[Member]:
    """Members of Bob's who never wrote, enrolled 40 days ago (straight into the database)."""
    services = stack.runtime.services
    now, out = services.clock.now(), []
    async with services.uow() as uow:
        for n in range(count):
            member = await uow.members.add(Member(brand_id=services.brand.id, telegram_user_id=8_200_000_000 + (1000 if tag else 0) + n,
                                                  first_name=f"{tag or 'Quiet'}{n}", enrolled_at=now - timedelta(days=40),
                                                  store_id=shop.store.id, tier=tier))
            await uow.links.add(Link(member_id=member.id, associate_id=shop.bob.id, started_at=now - timedelta(days=40, minutes=n)))
            if tag:
                await uow.workspace.add_tag(MemberTag(member.id, tag, now, "cli"))
            out.append(member)
        await uow.commit()
    return out


async def test_members_filters_combine_and_paging_keeps_them(stack):
    shop = await open_shop(stack)
    alice, dora = await stack.person("Alice"), await stack.person("Dora")
    await enrol(stack, shop, alice, shop.bob)
    await enrol(stack, shop, dora, shop.lina)
    await give_tier(stack, alice, "Gold")
    vips = await quiet_members(stack, shop, 9, tier="Gold", tag="vip")
    await quiet_members(stack, shop, 2)
    await member_says(stack, alice, "Any news?")
    relayed = await associate_reads(stack, shop.bob_user, "Any news?")
    await says(stack, shop.bob_user, "/tag vip", "added", reply_to=relayed["message_id"])
    await member_says(stack, dora, "Dora here")
    await associate_reads(stack, shop.lina_user, "Dora here")

    first = await says(stack, shop.bob_user, "/members tag:vip tier:gold", "Your members")
    nxt = [data for label, data in buttons(first) if "Next" in label]
    await press(stack, shop.bob_user, stack.associate_bot, first, nxt[0])
    second = await wait_for_edit(stack, shop.bob_user, stack.associate_bot, first, "page 2")
    unread = await says(stack, shop.bob_user, "/members unread", "Your members")
    quiet = await says(stack, shop.bob_user, "/members quiet:30 tag:vip", "Your members")
    nothing = await says(stack, shop.bob_user, "/members tag:nobody", "No members match")
    usage = await says(stack, shop.bob_user, "/members vip <b>", "I don't understand")
    stale = await forged(stack, shop.bob_user, second, MembersPage(0, "00000000").pack(), "out of date")
    card = await pressed(stack, shop.bob_user, unread, MemberAction("profile", (await membership(stack, alice)).member.id).pack(), "Enrolled")

    lines = first["text"].splitlines()
    assert lines[0] == "Your members · tag:vip tier:gold · page 1"
    assert lines[1].startswith("1. Alice · Gold · #vip · 1 unread · last ")
    assert lines[2] == "2. vip0 · Gold · #vip · no messages yet" and len(lines) == 9
    assert [label for label, _ in buttons(first)][:2] == ["Alice (1)", "vip0"]
    assert second["text"].splitlines()[1:] == ["9. vip7 · Gold · #vip · no messages yet", "10. vip8 · Gold · #vip · no messages yet"]
    assert "◀ Previous" in [label for label, _ in buttons(second)]
    assert unread["text"].splitlines()[1:] == [lines[1]] and "Dora" not in unread["text"]
    assert len(quiet["text"].splitlines()) == 9 and "Alice" not in quiet["text"] and "Quiet" not in quiet["text"]
    assert "<code>vip</code>" not in usage["text"] and "I don't understand vip" in usage["text"]
    assert stale and card["text"].startswith("👤 Alice") and len(vips) == 9


async def test_writing_from_chats_reaches_the_member_under_the_persona_until_done(stack):
    shop = await open_shop(stack)
    alice, carl = await stack.person("Alice"), await stack.person("Carl")
    await enrol(stack, shop, alice, shop.bob)
    await enrol(stack, shop, carl, shop.bob)
    alice_id = (await membership(stack, alice)).member.id
    await member_says(stack, carl, "Carl asks about belts")
    carls = await associate_reads(stack, shop.bob_user, "belts")

    listing = await chats(stack, shop.bob_user)
    hint = await pressed(stack, shop.bob_user, listing, OpenChat(alice_id).pack(), "Reply to one of Alice")
    writing = await pressed(stack, shop.bob_user, hint, MemberAction("write", alice_id).pack(), "Writing to Alice")
    await stack.people.send_text(shop.bob_user, stack.associate_bot, "New <b>arrivals</b> are in!")
    first = await wait_for_text(stack, alice, stack.consumer_bot, "are in!")
    await stack.people.send_text(shop.bob_user, stack.associate_bot, "Belts: two left", reply_to_message_id=carls["message_id"])
    to_carl = await wait_for_text(stack, carl, stack.consumer_bot, "two left")
    await stack.people.send_text(shop.bob_user, stack.associate_bot, "Come by on Sunday")
    second = await wait_for_text(stack, alice, stack.consumer_bot, "Sunday")
    done = await says(stack, shop.bob_user, "/done", "no longer go to Alice")
    after = await says(stack, shop.bob_user, "Anyone?", "Reply to a member's message")
    again = await says(stack, shop.bob_user, "/done", "Nothing to stop")
    await settle(stack)

    assert [label for label, _ in buttons(hint)] == ["✍️ Write", "👤 Profile"]
    assert "/done" in writing["text"]
    assert first["text"] == f"{PERSONA}\nNew <b>arrivals</b> are in!" and second["text"] == f"{PERSONA}\nCome by on Sunday"
    assert to_carl["text"] == f"{PERSONA}\nBelts: two left", "a reply wins over the focus"
    assert done and after and again
    assert not any("Anyone?" in (m["text"] or "") for m in await stack.bot_messages(alice, stack.consumer_bot))
    assert not any("Belts" in (m["text"] or "") for m in await stack.bot_messages(alice, stack.consumer_bot))
    outs = [(m.direction, m.text) for m in await history_of(stack, alice)]
    assert outs == [(Direction.OUT, "New <b>arrivals</b> are in!"), (Direction.OUT, "Come by on Sunday")]


async def test_a_focus_ends_when_the_member_moves_or_after_thirty_idle_minutes(stack):
    shop = await open_shop(stack)
    alice = await stack.person("Alice")
    await enrol(stack, shop, alice, shop.bob)
    state = await membership(stack, alice)
    services = stack.runtime.services
    listing = await chats(stack, shop.bob_user)
    hint = await pressed(stack, shop.bob_user, listing, OpenChat(state.member.id).pack(), "Reply to one of Alice")
    await pressed(stack, shop.bob_user, hint, MemberAction("write", state.member.id).pack(), "Writing to Alice")
    async with services.uow() as uow:  # the focus was set 31 minutes ago
        await uow.workspace.set_focus(Focus(shop.bob.id, state.member.id, FocusMode.WRITE, services.clock.now() - timedelta(minutes=31)))
        await uow.commit()
    expired = await says(stack, shop.bob_user, "Still there?", "Reply to a member's message")
    await pressed(stack, shop.bob_user, hint, MemberAction("write", state.member.id).pack(), "Writing to Alice")
    async with services.uow() as uow:  # HQ moved Alice to Lina meanwhile
        await uow.links.end(state.current.id, services.clock.now(), LinkReason.REASSIGNED_BY_HQ)
        await uow.links.add(Link(member_id=state.member.id, associate_id=shop.lina.id, started_at=services.clock.now(),
                                 reason=LinkReason.REASSIGNED_BY_HQ))
        await uow.commit()
    moved = await says(stack, shop.bob_user, "A secret offer", "no longer one of your members")
    afterwards = await says(stack, shop.bob_user, "Another one", "Reply to a member's message")
    await settle(stack)

    assert expired and moved and afterwards
    alice_texts = [m["text"] or "" for m in await stack.bot_messages(alice, stack.consumer_bot)]
    assert not any(t.endswith(("Still there?", "A secret offer", "Another one")) for t in alice_texts)
    async with services.uow() as uow:
        assert await uow.workspace.focus_of(shop.bob.id) is None


async def test_another_associates_member_shows_nothing_even_with_forged_buttons(stack):
    shop = await open_shop(stack)
    alice, dora = await stack.person("Alice"), await stack.person("Dora")
    await enrol(stack, shop, alice, shop.bob)
    await enrol(stack, shop, dora, shop.lina)
    await give_tier(stack, dora, "Platinum")
    await member_says(stack, dora, "Dora's secret wish")
    doras = await associate_reads(stack, shop.lina_user, "secret wish")
    await says(stack, shop.lina_user, "/tag lina-only", "added", reply_to=doras["message_id"])
    await says(stack, shop.lina_user, "/note Dora's private note", "Note saved", reply_to=doras["message_id"])
    await member_says(stack, alice, "Hi Bob")
    bobs = await associate_reads(stack, shop.bob_user, "Hi Bob")
    dora_id = (await membership(stack, dora)).member.id
    async with stack.runtime.services.uow() as uow:
        tag_id = (await uow.workspace.tags_of(dora_id))[0].id

    last, refusals = bobs["message_id"], []
    for data in [MemberAction(action, dora_id).pack() for action in ("profile", "tags", "addtag", "addnote", "write", "history")] + [
            RemoveTag(dora_id, tag_id).pack()]:
        refusal = await forged(stack, shop.bob_user, bobs, data, "not one of your members", after=last)
        last = refusal["message_id"]
        refusals.append(refusal)
    await push_callback(stack, shop.bob_user, stack.associate_bot, bobs["message_id"], "mw:profile:-1")
    await push_callback(stack, shop.bob_user, stack.associate_bot, bobs["message_id"], "mw:delete:1")
    tag_refused = await says(stack, shop.bob_user, "/tag stolen", "Reply /tag vip to a member's message")
    stranger = await stack.person("Sam")
    for command in ("/members", "/tag vip", "/done"):
        await says(stack, stranger, command, f"{command.split()[0]} is for store associates.")
    await settle(stack)

    bob_texts = [m["text"] or "" for m in await stack.bot_messages(shop.bob_user, stack.associate_bot)]
    assert not any("Dora" in t or "Platinum" in t or "lina-only" in t for t in bob_texts)
    assert tag_refused and len(refusals) == 7
    async with stack.runtime.services.uow() as uow:
        assert [t.tag for t in await uow.workspace.tags_of(dora_id)] == ["lina-only"]
        assert await uow.workspace.focus_of(shop.bob.id) is None


async def test_a_tag_command_naming_too_many_tags_is_refused_and_changes_nothing(stack):
    shop = await open_shop(stack)
    alice = await stack.person("Alice")
    await enrol(stack, shop, alice, shop.bob)
    await member_says(stack, alice, "Any news on my order?")
    relayed = await associate_reads(stack, shop.bob_user, "news on my order")
    await says(stack, shop.bob_user, "/tag vip", "added", reply_to=relayed["message_id"])
    member_id = (await membership(stack, alice)).member.id
    audit_before = await audit_of(stack, member_id)

    repeated = await says(stack, shop.bob_user, "/tag " + " ".join(["VIP", "#vip", "vip"] * 20), "vip",
                          reply_to=relayed["message_id"])
    many = " ".join(f"w{n:03d}" for n in range(600))  # 3,600 characters: a message Telegram takes
    untag_refused = await says(stack, shop.bob_user, f"/untag vip {many}", "Nothing was changed",
                               reply_to=relayed["message_id"])
    seventeen = " ".join(f"t{n}" for n in range(17))
    tag_refused = await says(stack, shop.bob_user, f"/tag {seventeen}", "Nothing was changed", reply_to=relayed["message_id"])

    assert repeated["text"] == "Alice already has #vip.", "the same tag, however written, is answered once"
    assert untag_refused["text"] == ("That names 601 tags: /tag and /untag take at most 16 at once "
                                     "(a member has at most 12). Nothing was changed.")
    assert "17 tags" in tag_refused["text"]
    async with stack.runtime.services.uow() as uow:
        assert [t.tag for t in await uow.workspace.tags_of(member_id)] == ["vip"]
    assert await audit_of(stack, member_id) == audit_before


async def test_the_largest_tag_command_is_answered_whole_within_telegrams_limit(stack):
    shop = await open_shop(stack)
    # A long name on every line of the answer, and the longest tags.
    alice = (await stack.people.create_user("Alexandrina-Konstantina", last_name="Papadopoulou-Wolfeschlegelsteinhausen-Bergg",
                                            username="alexandrina_p"))["id"]
    await enrol(stack, shop, alice, shop.bob)
    await member_says(stack, alice, "Any news on my order?")
    relayed = await associate_reads(stack, shop.bob_user, "news on my order")
    tags = [f"{n:02d}-{'x' * 21}" for n in range(16)]  # 16 tags of 24 characters, the most a command takes

    await says(stack, shop.bob_user, "/tag " + " ".join(tags), "added", reply_to=relayed["message_id"])
    untagged = await says(stack, shop.bob_user, "/untag " + " ".join(tags), "removed", reply_to=relayed["message_id"])

    lines = untagged["text"].split("\n")
    assert len(untagged["text"]) <= 4096 and len(lines) == 16 and "…" not in untagged["text"]
    assert sum("removed" in line for line in lines) == 12  # a member holds 12; the other four were never added
