"""What the associate bot's staff-only handlers share: the sender identified from the
database (commerce.identity.identify_in_staff_bot), and one preamble for commands and buttons.

The client's word counts for nothing here: a command or a button press is served only if
the Telegram user is an active associate now (HQ operators, deactivated associates and
strangers are refused), and button data arrives unpacked but unchecked, so each handler
still re-checks ownership of whatever the data names. Buttons are answered after the
transaction, whatever happened in it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from functools import wraps
from typing import TypeVar

from telegram import Update

from bot.interface.buttons import answer
from bot.interface.callbacks import CallbackData
from bot.interface.commands import Command
from bot.interface.context import StorelinkContext, UpdateTransaction
from commerce.access import NotAllowed, Staff, access_staff
from commerce.bots import BotKind
from commerce.identity import Identity, identify_in_staff_bot

ASSOCIATE = BotKind.ASSOCIATE
Data = TypeVar("Data", bound=CallbackData)
Handler = Callable[[Update, StorelinkContext], Awaitable[None]]


async def sender_of(tx: UpdateTransaction, update: Update) -> Identity:
    """Who sent the update to the staff bot (an associate's first message is recorded)."""
    user = update.effective_user
    assert user is not None and tx.brand.id is not None
    return await identify_in_staff_bot(tx.uow, tx.brand.id, user.id, tx.services.clock.now())


async def staff_of(tx: UpdateTransaction, update: Update) -> Staff | None:
    """The sender as an active associate of the brand, or None (HQ operators and strangers)."""
    try:
        return access_staff(await sender_of(tx, update))
    except NotAllowed:
        return None


async def refuse_command(tx: UpdateTransaction, update: Update, commands: Sequence[Command], command: str) -> None:
    """A staff-bot command from someone it is not for (HQ, a stranger, a deactivated
    associate): whom it is for, as registered, and the sender's own help."""
    who = await sender_of(tx, update)
    await tx.reply(update, tx.services.render.not_theirs(ASSOCIATE, who.role, tx.services.locale(update), commands, command))


def argument(update: Update) -> str:
    """A command's text after the command word, lines kept ("/note@bot first\\nsecond")."""
    message = update.effective_message
    parts = ((message.text or "") if message else "").split(None, 1)
    return parts[1].strip() if len(parts) > 1 else ""


def command_word(update: Update) -> str:
    """The command as sent, without the bot's name ("/tag@MaisonStaffBot vip" -> "/tag")."""
    message = update.effective_message
    return ((message.text or "") if message else "").split(None, 1)[0].split("@", 1)[0]


def staff_command(body: Callable[[UpdateTransaction, Update, Staff, str], Awaitable[None]]) -> Handler:
    """A command body `(tx, update, staff, locale)` run in the update's transaction for
    active associates; anyone else is told whom the command is for, with their own help,
    as every command that is not theirs answers (/chats, /history)."""

    @wraps(body)
    async def handler(update: Update, ctx: StorelinkContext) -> None:
        services = ctx.services
        locale = services.locale(update)
        async with services.transaction(ASSOCIATE, update) as tx:
            staff = await staff_of(tx, update)
            if staff is None:
                await refuse_command(tx, update, ctx.bot_data.commands, command_word(update))
                return
            await body(tx, update, staff, locale)

    return handler


def staff_button(data_type: type[Data], refuse: Callable[[UpdateTransaction, str], str | None] = lambda tx, locale: None,
                 ) -> Callable[..., Handler]:
    """A button body `(tx, update, staff, data, locale) -> notice` run in the update's
    transaction for active associates, with the data unpacked; data that does not unpack
    and any other presser get `refuse`'s notice. The press is answered with the notice
    (plain text, at most 200 characters) once the transaction is over."""

    def wrap(body: Callable[[UpdateTransaction, Update, Staff, Data, str], Awaitable[str | None]]) -> Handler:
        @wraps(body)
        async def handler(update: Update, ctx: StorelinkContext) -> None:
            services = ctx.services
            query = update.callback_query
            assert query is not None
            data = data_type.unpack(query.data)
            locale = services.locale(update)
            async with services.transaction(ASSOCIATE, update) as tx:
                staff = await staff_of(tx, update)
                if staff is None or data is None:
                    notice = refuse(tx, locale)
                else:
                    notice = await body(tx, update, staff, data, locale)
            await answer(query, notice)

        return handler

    return wrap
