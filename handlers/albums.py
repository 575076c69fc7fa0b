"""A member's album, item by item: held in the buffer with its history row in the item's
own update transaction, relayed as one album by bot.albums once it is complete."""

from __future__ import annotations

import logging

from telegram import Message

from bot.albums import album_header, item_caption
from commerce.workspace import header_tags
from bot.context import UpdateTransaction
from bot.i18n import locale_for
from bot.render import Outgoing
from bot.render_relay import Content, RelayRenderer
from commerce.albums import album_position, hold_item, is_groupable, recaption_held
from commerce.model import Associate, BotKind, Direction, Member, MessageKind
from commerce.relay import EditCopy, record_message

log = logging.getLogger("storelink.albums")
REFUSAL_TTL = 600.0  # seconds: an album's items all arrive within a few


async def hold_album_item(tx: UpdateTransaction, message: Message, member: Member, associate: Associate, content: Content,
                          direction: Direction = Direction.IN) -> bool:
    """True if the message is an album item and is now buffered: a member's (IN) for
    `associate`, an associate's (OUT) for `member`. Other messages, and kinds Telegram does
    not group, are relayed on their own as usual."""
    group = message.media_group_id
    if not group or not is_groupable(content.kind) or not content.file_id:
        return False
    services = tx.services
    chat_id = message.chat_id
    bot = BotKind.CONSUMER if direction is Direction.IN else BotKind.ASSOCIATE
    await hold_item(tx.uow, bot=bot, chat_id=chat_id, media_group_id=group, member=member, associate=associate,
                    kind=content.kind, source_message_id=message.message_id, file_id=content.file_id, caption=content.text,
                    file_name=content.file_name, mime_type=content.mime_type, now=services.clock.now(), direction=direction)

    async def start_timer() -> None:
        try:
            await services.album_arrived(bot, chat_id, group)
        except Exception:  # the item is committed: the sweep relays the album without a timer
            log.exception("could not start an album's timer")

    tx.uow.after_commit(start_timer)
    return True


async def first_of_album(tx: UpdateTransaction, message: Message) -> bool:
    """A refusal (no associate, chat paused) is said once per album, not once per item."""
    if not message.media_group_id:
        return True
    key = f"album-refusal:{message.chat_id}:{message.media_group_id}"
    return await tx.services.backends.dedupe.first_seen(key, REFUSAL_TTL)


async def edit_held_item(tx: UpdateTransaction, member: Member, message: Message) -> bool:
    """An edit of an album item not relayed yet changes the buffered caption."""
    if not message.media_group_id:
        return False
    return await recaption_held(tx.uow, member, message.chat_id, message.message_id, message.caption, tx.services.clock.now())


async def edit_held_reply(tx: UpdateTransaction, associate: Associate, message: Message) -> bool:
    """An associate's edit of an album item not relayed yet changes the buffered caption."""
    if not message.media_group_id:
        return False
    return await recaption_held(tx.uow, associate, message.chat_id, message.message_id, message.caption, tx.services.clock.now())


async def edit_album_item(tx: UpdateTransaction, edit: EditCopy, message: Message, direction: Direction = Direction.IN) -> bool:
    """A member (IN) or an associate (OUT) edited the caption of an album item: that item of
    the other side's copy is edited (the first keeps the header or the persona). False if the
    original was not relayed in an album."""
    copy_id = edit.original.relay_outbox_id
    copy = await tx.uow.outbox.get(copy_id) if copy_id is not None else None
    if copy is None or copy.method != "sendMediaGroup" or edit.original.source_message_id is None:
        return False
    position = await album_position(tx.uow, copy.id, edit.original.source_message_id)  # type: ignore[arg-type]
    if position is None:
        return False
    views = RelayRenderer(tx.services.catalog, tx.services.brand)
    head = None
    if position == 0 and direction is Direction.IN:
        head = album_header(views, edit.member, edit.associate, edit.store, await header_tags(tx.uow, edit.member))
    elif position == 0:
        member_locale = locale_for(edit.member.language_code, tx.services.settings.default_locale)
        head = views.persona(member_locale, edit.associate, edit.store)
    outbox = await tx.send(copy.bot, copy.chat_id, Outgoing("editMessageCaption", {
        "message_id": {"outbox_id": copy.id, "item": position}, "caption": item_caption(head, message.caption), "parse_mode": "HTML"}))
    await record_message(tx.uow, member=edit.member, associate=edit.associate, direction=direction, kind=MessageKind.EDIT,
                         text=message.caption, source_message_id=message.message_id, relay_outbox_id=outbox.id,
                         now=tx.services.clock.now())
    return True
