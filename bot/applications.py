"""Building the two PTB Applications. Handler registration lives here, in one visible place."""

from __future__ import annotations

from telegram.ext import (
    AIORateLimiter,
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.callbacks import ChatsPage, ConsentChoice, OpenChat, PickAssociate, PickStore, ShowCard, SwitchChoice
from bot.context import AppData, Services, StorelinkApplication, StorelinkContext
from commerce.model import BotKind
from handlers import enrollment, errors, member, membership, qr, start, welcome
from handlers import chats, leaderboard, relay
from handlers import availability
from bot.callbacks import ClaimEscalation
from handlers import workspace
from handlers import member_controls
from handlers import stale_buttons
from bot.callbacks import AskStopChat, ChooseAssociate, StopChat, SwitchTo
from bot.callbacks import MemberAction, MembersPage, RemoveTag

PRIVATE = filters.ChatType.PRIVATE
# What the relay carries besides text (contacts: see member.on_contact in the consumer bot).
RELAYED_MEDIA = (filters.PHOTO | filters.VOICE | filters.VIDEO | filters.Document.ALL | filters.Sticker.ALL
                 | filters.LOCATION)


def build_application(kind: BotKind, token: str, services: Services) -> StorelinkApplication:
    """Updates reach the Application from our ingress (webhook or poller), never from PTB's
    Updater: the ingress records each update durably before it is handled.

    Messages to people go through the outbox and the sender with limits shared by every
    process; the Application's own bot (AIORateLimiter, per process) serves the few direct
    calls that must answer at once, such as answerCallbackQuery."""
    api = services.settings.bot_api_url
    app: StorelinkApplication = (
        Application.builder()
        .token(token)
        .base_url(f"{api}/bot")
        .base_file_url(f"{api}/file/bot")
        .context_types(ContextTypes(context=StorelinkContext, bot_data=AppData))
        .rate_limiter(AIORateLimiter(max_retries=2))
        .updater(None)
        .build()
    )
    app.bot_data.services = services
    app.bot_data.kind = kind
    for handler in HANDLERS[kind]:
        app.add_handler(handler)
    app.add_handler(stale_buttons.stale_button_handler(), group=stale_buttons.GROUP)  # before every feature handler
    app.add_error_handler(errors.on_error)
    return app


# Order matters within a group: the first matching handler wins. Commands come before the
# catch-all message handlers that later features add.
HANDLERS = {
    BotKind.CONSUMER: [
        # First: an edit is never a new message (PTB's message filters match edits too).
        MessageHandler(PRIVATE & filters.UpdateType.EDITED_MESSAGE, relay.on_member_edit),
        CommandHandler("start", enrollment.on_consumer_start, filters=PRIVATE),
        CommandHandler("help", start.on_consumer_help, filters=PRIVATE),
        CommandHandler("me", member.on_me, filters=PRIVATE),
        CommandHandler("stop", member.on_stop, filters=PRIVATE),
        CommandHandler("switch", member_controls.on_switch, filters=PRIVATE),
        CommandHandler("stopchat", member_controls.on_ask_stop_chat, filters=PRIVATE),
        CallbackQueryHandler(member_controls.on_switch, pattern=ChooseAssociate.pattern()),
        CallbackQueryHandler(member_controls.on_switch_to, pattern=SwitchTo.pattern()),
        CallbackQueryHandler(member_controls.on_ask_stop_chat, pattern=AskStopChat.pattern()),
        CallbackQueryHandler(member_controls.on_stop_chat, pattern=StopChat.pattern()),
        CallbackQueryHandler(enrollment.on_switch_choice, pattern=SwitchChoice.pattern()),
        CallbackQueryHandler(enrollment.on_pick_store, pattern=PickStore.pattern()),
        CallbackQueryHandler(enrollment.on_pick_associate, pattern=PickAssociate.pattern()),
        CallbackQueryHandler(member.on_consent, pattern=ConsentChoice.pattern()),
        CallbackQueryHandler(member.on_me, pattern=ShowCard.pattern()),
        MessageHandler(PRIVATE & filters.CONTACT, member.on_contact),
        ChatMemberHandler(membership.on_consumer_bot_status, ChatMemberHandler.MY_CHAT_MEMBER),
        MessageHandler(PRIVATE & RELAYED_MEDIA, relay.on_member_media),
        # Last: plain text that no command claimed (a member's message, or a short code).
        MessageHandler(PRIVATE & filters.TEXT & ~filters.COMMAND, enrollment.on_consumer_text),
    ],
    BotKind.ASSOCIATE: [
        MessageHandler(PRIVATE & filters.UpdateType.EDITED_MESSAGE, relay.on_associate_edit),  # first, as above
        CommandHandler("start", start.on_associate_start, filters=PRIVATE),
        CommandHandler("help", start.on_associate_help, filters=PRIVATE),
        CommandHandler("welcome", welcome.on_welcome, filters=PRIVATE),
        CommandHandler("qr", qr.on_qr, filters=PRIVATE),
        CommandHandler("leaderboard", leaderboard.on_leaderboard, filters=PRIVATE),
        CommandHandler("history", relay.on_history, filters=PRIVATE),
        CommandHandler("chats", chats.on_chats, filters=PRIVATE),
        CallbackQueryHandler(chats.on_chats_page, pattern=ChatsPage.pattern()),
        CallbackQueryHandler(chats.on_open_chat, pattern=OpenChat.pattern()),
        # The member workspace: /members, tags and notes, writing from /chats (handlers/workspace.py).
        CommandHandler("members", workspace.on_members, filters=PRIVATE),
        CommandHandler("tag", workspace.on_tag, filters=PRIVATE),
        CommandHandler("untag", workspace.on_untag, filters=PRIVATE),
        CommandHandler("note", workspace.on_note, filters=PRIVATE),
        CommandHandler("done", workspace.on_done, filters=PRIVATE),
        CallbackQueryHandler(workspace.on_member_action, pattern=MemberAction.pattern()),
        CallbackQueryHandler(workspace.on_remove_tag, pattern=RemoveTag.pattern()),
        CallbackQueryHandler(workspace.on_members_page, pattern=MembersPage.pattern()),
        # Availability and escalations (handlers/availability.py).
        CommandHandler("hours", availability.on_hours, filters=PRIVATE),
        CommandHandler("away", availability.on_away, filters=PRIVATE),
        CommandHandler("back", availability.on_back, filters=PRIVATE),
        CommandHandler("escalations", availability.on_escalations, filters=PRIVATE),
        CallbackQueryHandler(availability.on_claim, pattern=ClaimEscalation.pattern()),
        # Last: an associate's text, media, location or contact, a reply to a relayed member's message.
        MessageHandler(PRIVATE & (RELAYED_MEDIA | filters.CONTACT | (filters.TEXT & ~filters.COMMAND)), relay.on_associate_message),
    ],
}
