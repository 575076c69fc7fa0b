"""The associate's member workspace in the associate bot: the profile card and tags & notes
behind the buttons of a relayed message, /members, /tag, /untag, /note, writing to a
member from /chats, and /done.

Every button names a member id, and a client can forge it: each handler takes the
associate from the server's identity and commerce.workspace re-checks the member against
the current link, so forged data shows nothing about another associate's member.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from telegram import CallbackQuery, Update

from bot.interface.callbacks import MEMBER_ACTIONS, MemberAction, MembersPage, RemoveTag
from bot.interface.context import StorelinkContext, UpdateTransaction
from bot.interface.render.base import TEXT_LIMIT, Outgoing, plain, text
from bot.interface.render.workspace import WorkspaceRenderer, full_name
from bot.interface.staff import argument, staff_button, staff_command
from commerce.access import NotYours, Staff
from commerce.associate_replies import command_target, member_history_for
from commerce.lengths import units
from commerce.member_list import list_members, turn_members_page
from commerce.workspace_values import BadFilter, FocusMode, filter_digest, parse_filter
from commerce.bots import BotKind
from commerce.people import Associate, Member
from commerce.workspace import (
    BadNote,
    Focused,
    NoteAdded,
    TagDone,
    TagResult,
    TooManyNamed,
    add_note,
    add_tag,
    end_focus,
    focus_on,
    named_tags,
    profile,
    remove_tag,
    remove_tag_row,
    tags_and_notes,
)

ASSOCIATE = BotKind.ASSOCIATE
log = logging.getLogger("storelink.workspace")
MemberCommand = Callable[[UpdateTransaction, Associate, Member, str, str], Awaitable[list[Outgoing]]]
WordsCheck = Callable[[UpdateTransaction, str, str], Outgoing | None]


def views(tx: UpdateTransaction) -> WorkspaceRenderer:
    return WorkspaceRenderer(tx.services.catalog, tx.brand)


def _in_place(outgoing: Outgoing, query: CallbackQuery | None) -> Outgoing:
    """The message the button is on, edited (its keyboard is part of the new version)."""
    if query is None or query.message is None or outgoing.method != "sendMessage":
        return outgoing
    return Outgoing("editMessageText", {**outgoing.params, "message_id": query.message.message_id})


# --- buttons -------------------------------------------------------------------------------------


@staff_button(MemberAction)
async def on_member_action(tx: UpdateTransaction, update: Update, staff: Staff, data: MemberAction, locale: str) -> None:
    """Profile, Tags & notes, Add tag, Add note, Write, History: each for the presser's own member only."""
    if data.action in MEMBER_ACTIONS:
        for outgoing in await _member_action(tx, staff.associate, data, locale):
            await tx.reply(update, outgoing)


async def _member_action(tx: UpdateTransaction, associate: Associate, data: MemberAction, locale: str) -> list[Outgoing]:
    uow, now, render = tx.uow, tx.services.clock.now(), views(tx)
    if data.action == "profile":
        card = await profile(uow, associate, data.member_id)
        return [render.card(locale, card) if not isinstance(card, NotYours) else render.say(locale, "not_yours")]
    if data.action == "tags":
        view = await tags_and_notes(uow, associate, data.member_id)
        return [render.tags_and_notes(locale, view) if not isinstance(view, NotYours) else render.say(locale, "not_yours")]
    if data.action == "history":
        return [await _history(tx, associate, data.member_id, locale)]
    mode = {"write": FocusMode.WRITE, "addtag": FocusMode.TAG, "addnote": FocusMode.NOTE}[data.action]
    member = await focus_on(uow, associate, data.member_id, mode, now)
    if isinstance(member, NotYours):
        return [render.say(locale, "not_yours")]
    if mode is FocusMode.TAG:
        return [render.ask_tag(locale, member)]
    if mode is FocusMode.NOTE:
        return [render.ask_note(locale, member)]
    return [render.writing(locale, member)]


async def _history(tx: UpdateTransaction, associate: Associate, member_id: int, locale: str) -> Outgoing:
    shown = await member_history_for(tx.uow, associate, member_id, locale)
    if isinstance(shown, NotYours):
        return views(tx).say(locale, "not_yours")
    return tx.render(shown)[0]


@staff_button(RemoveTag)
async def on_remove_tag(tx: UpdateTransaction, update: Update, staff: Staff, data: RemoveTag, locale: str) -> None:
    """A tag's ✕ in Tags & notes: removed, and the view is redrawn in place."""
    associate = staff.associate
    result = await remove_tag_row(tx.uow, associate, data.member_id, data.tag_id, tx.services.clock.now())
    if isinstance(result, NotYours):
        await tx.reply(update, views(tx).say(locale, "not_yours"))
        return
    view = await tags_and_notes(tx.uow, associate, data.member_id)
    if not isinstance(view, NotYours):
        await tx.reply(update, _in_place(views(tx).tags_and_notes(locale, view), update.callback_query))


# --- /members ------------------------------------------------------------------------------------


@staff_command
async def on_members(tx: UpdateTransaction, update: Update, staff: Staff, locale: str) -> None:
    """/members [tag:X] [tier:X] [unread] [quiet:N]: the first page; the filter is kept for paging."""
    where = parse_filter(argument(update).split())
    if isinstance(where, BadFilter):
        await tx.reply(update, views(tx).say(locale, "members_usage", word=where.word))
        return
    page = await list_members(tx.uow, staff.associate, where, tx.services.clock.now())
    await tx.reply(update, views(tx).members(locale, page, filter_digest(where.words())))


@staff_button(MembersPage)
async def on_members_page(tx: UpdateTransaction, update: Update, staff: Staff, data: MembersPage, locale: str) -> None:
    """◀ / ▶ of /members: the saved filter, parsed again (it is re-validated like typed words)."""
    page = await turn_members_page(tx.uow, staff.associate, data.digest, data.page, tx.services.clock.now())
    if page is None:
        await tx.reply(update, views(tx).say(locale, "members_stale"))
        return
    await tx.reply(update, _in_place(views(tx).members(locale, page, data.digest), update.callback_query))


# --- /tag, /untag, /note, /done -----------------------------------------------------------------


def _member_command(usage: str, apply: MemberCommand, check: WordsCheck | None = None,
                    ) -> Callable[[Update, StorelinkContext], Awaitable[None]]:
    """/tag, /untag and /note: `apply` the command's text to the member it is about, or say
    how the command is used. `check` may refuse the text before the member is even looked up."""

    @staff_command
    async def handler(tx: UpdateTransaction, update: Update, staff: Staff, locale: str) -> None:
        message = update.effective_message
        assert message is not None
        words = argument(update)
        refusal = check(tx, words, locale) if check is not None and words else None
        if refusal is not None:
            await tx.reply(update, refusal)
            return
        replied = message.reply_to_message
        target = await command_target(tx.uow, staff.associate, replied.message_id if replied is not None else None,
                                      tx.services.clock.now())
        if target is None or not words:
            await tx.reply(update, views(tx).say(locale, usage))
        elif isinstance(target, NotYours):
            await tx.reply(update, views(tx).say(locale, "not_yours"))
        else:
            for outgoing in await apply(tx, staff.associate, target, words, locale):
                await tx.reply(update, outgoing)

    return handler


def _too_many_tags(tx: UpdateTransaction, words: str, locale: str) -> Outgoing | None:
    named = named_tags(words)
    if not isinstance(named, TooManyNamed):
        return None
    log.info("a tag command naming %d tags was refused (at most %d)", named.count, named.limit)
    return views(tx).too_many_named(locale, named.count, named.limit)


def _distinct_tags(argument: str) -> list[str]:
    named = named_tags(argument)
    assert not isinstance(named, TooManyNamed), "checked by _too_many_tags before the command runs"
    return named


async def _add_tags(tx: UpdateTransaction, associate: Associate, member: Member, argument: str, locale: str) -> list[Outgoing]:
    assert member.id is not None
    out = []
    for word in _distinct_tags(argument):
        result = await add_tag(tx.uow, associate, member.id, word, tx.services.clock.now())
        out.append(_tag_answer(tx, locale, member, result, added=True, again=False))
        if not isinstance(result, TagDone):
            break
    return _joined(out)


async def _remove_tags(tx: UpdateTransaction, associate: Associate, member: Member, argument: str, locale: str) -> list[Outgoing]:
    assert member.id is not None
    out = [_tag_answer(tx, locale, member, await remove_tag(tx.uow, associate, member.id, word, tx.services.clock.now()),
                       added=False, again=False) for word in _distinct_tags(argument)]
    return _joined(out)


async def _add_note(tx: UpdateTransaction, associate: Associate, member: Member, argument: str, locale: str) -> list[Outgoing]:
    assert member.id is not None
    return [_note_answer(tx, locale, await add_note(tx.uow, associate, member.id, argument, tx.services.clock.now()), again=False)]


def _joined(answers: list[Outgoing]) -> list[Outgoing]:
    """Several tags at once: one message with a line each, as many as fit in one message
    (every tag was handled). A safeguard: the most tags a command may name fit, even with
    the longest names."""
    lines: list[str] = []
    for answer in answers:
        line = answer.params["text"]
        if units(plain("\n".join([*lines, line, "…"]))) > TEXT_LIMIT:
            lines.append("…")
            break
        lines.append(line)
    return [text("\n".join(lines))] if lines else []


def _tag_answer(tx: UpdateTransaction, locale: str, member: Member, result: TagResult, *, added: bool, again: bool) -> Outgoing:
    return views(tx).tag_answer(locale, member, result, added=added, again=again)


def _note_answer(tx: UpdateTransaction, locale: str, result: NoteAdded | BadNote | NotYours, *, again: bool) -> Outgoing:
    return views(tx).note_answer(locale, result, again=again)


# /tag vip [bags ...] as a reply to a member's message (or while writing to them); /untag
# likewise; /note <text>, where the rest of the message is the note, lines kept.
on_tag = _member_command("tag_usage", _add_tags, _too_many_tags)
on_untag = _member_command("untag_usage", _remove_tags, _too_many_tags)
on_note = _member_command("note_usage", _add_note)


@staff_command
async def on_done(tx: UpdateTransaction, update: Update, staff: Staff, locale: str) -> None:
    """/done: stop writing to the member (or cancel the pending tag or note)."""
    state = await end_focus(tx.uow, staff.associate, tx.services.clock.now())
    if not isinstance(state, Focused):
        await tx.reply(update, views(tx).say(locale, "done_nothing"))
    elif state.mode is FocusMode.WRITE:
        await tx.reply(update, views(tx).say(locale, "done", member=full_name(state.member)))
    else:
        await tx.reply(update, views(tx).say(locale, "done_pending"))
