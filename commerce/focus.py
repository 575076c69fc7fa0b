"""Writing to a member without replying: the associate's focus, a small state machine.

From /chats or a member's buttons an associate chooses to write to a member (WRITE), or to
add a tag or a note (TAG, NOTE). Their next message that replies to nothing then goes to
that member like a reply, or becomes the tag or note. The focus ends with /done, after an
idle time, when the member is no longer theirs (FocusLost), or, for a tag or note, once a
good one was given (a bad one may be sent again).
"""

from __future__ import annotations

from datetime import datetime

from commerce.access import NotYours, Staff
from commerce.album_relay import first_of_album
from commerce.workspace_values import FocusMode
from commerce.messages import Incoming, NoteAnswered, Outbound, Postbox, Said, TagAnswered, TagsAndNotesShown
from commerce.bots import BotKind
from commerce.conversations import MessageKind
from commerce.people import Associate, Member
from commerce.ports.uow import UnitOfWork
from commerce.relay import MemberPaused, ReplyRoute, ReplyTo
from commerce.workspace import Focused, FocusLost, NoteAdded, TagDone, TooManyTags, add_note, add_tag, current_focus, focus_on, tags_and_notes

ASSOCIATE = BotKind.ASSOCIATE


async def start_writing_to(uow: UnitOfWork, associate: Associate, member_id: int, mode: FocusMode,
                           now: datetime) -> Member | NotYours:
    """The associate's next messages that are not replies go to (WRITE) or are about (TAG,
    NOTE) the member, if the member is theirs."""
    return await focus_on(uow, associate, member_id, mode, now)


def _name(member: Member | None) -> str:
    return " ".join(filter(None, [member.first_name, member.last_name])) if member is not None else "?"


async def message_without_reply(uow: UnitOfWork, postbox: Postbox, staff: Staff, incoming: Incoming,
                                now: datetime) -> ReplyRoute | None:
    """An associate's message that replies to nothing: for the member they are writing to
    (a route the relay delivers exactly like a reply), the pending tag or note, or a hint.
    None when it was answered here."""
    associate = staff.associate
    state = await current_focus(uow, associate, now)

    async def answer_once(body: object) -> None:  # an album hears it once, not once per item
        if await first_of_album(postbox, incoming):
            await postbox.post(Outbound(ASSOCIATE, incoming.chat_id, body))

    if isinstance(state, FocusLost):
        await answer_once(Said(incoming.locale, "workspace.focus_lost", {"member": _name(state.member)}))
        return None
    if not isinstance(state, Focused):
        await answer_once(Said(incoming.locale, "workspace.reply_hint"))
        return None
    member = state.member
    assert member.id is not None and associate.id is not None
    if state.mode is FocusMode.WRITE:
        return ReplyTo(member, associate, staff.store, None) if member.consent_chat else MemberPaused(member)
    words = incoming.content.text if incoming.content.kind is MessageKind.TEXT else None
    if words is None:
        await answer_once(Said(incoming.locale, "workspace.text_only"))
        return None
    to_writer = lambda body: Outbound(ASSOCIATE, incoming.chat_id, body)  # noqa: E731
    if state.mode is FocusMode.TAG:
        result = await add_tag(uow, associate, member.id, words, now)
        await postbox.post(to_writer(TagAnswered(incoming.locale, member, result, added=True, again=True)))
        done = isinstance(result, TagDone | TooManyTags)
    else:
        note = await add_note(uow, associate, member.id, words, now)
        await postbox.post(to_writer(NoteAnswered(incoming.locale, note, again=True)))
        done = isinstance(note, NoteAdded)
    if done:  # a pending tag or note is one message; a bad one may be sent again
        await uow.workspace.clear_focus(associate.id)
        view = await tags_and_notes(uow, associate, member.id)
        if not isinstance(view, NotYours):
            await postbox.post(to_writer(TagsAndNotesShown(incoming.locale, view)))
    return None
