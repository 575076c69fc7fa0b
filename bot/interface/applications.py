"""Building the two PTB Applications. Handler registration lives here, in one visible place."""

from __future__ import annotations

from telegram.ext import (
    AIORateLimiter,
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    ContextTypes,
    MessageHandler,
    PreCheckoutQueryHandler,
    filters,
)

from bot.interface.callbacks import (
    LEGACY_START_PATTERN,
    AskStopChat,
    CatalogList,
    CatalogProduct,
    ChatsPage,
    CheckoutStart,
    CheckoutStep,
    ChooseAssociate,
    ChooseRecipient,
    ClaimEscalation,
    ConsentChoice,
    MemberAction,
    MembersPage,
    OpenCatalog,
    OpenChat,
    OrderAnswer,
    OrderDesk,
    OrdersPage,
    PickAssociate,
    PickStore,
    RemoveTag,
    SendLookbook,
    SendPick,
    ShopAction,
    ShopList,
    ShopProduct,
    ShowCard,
    StopChat,
    SwitchChoice,
    SwitchTo,
)
from bot.interface.commands import Command, about, commands_of
from bot.interface.context import AppData, StorelinkApplication, StorelinkContext
from bot.runtime.transport import bot_requests
from commerce.bots import BotKind, Role
from handlers import (
    availability,
    catalog,
    chats,
    checkout,
    enrollment,
    errors,
    leaderboard,
    member,
    member_controls,
    membership,
    order_steps,
    orders,
    payments,
    qr,
    relay,
    shop,
    stale_buttons,
    start,
    welcome,
    workspace,
)

PRIVATE = filters.ChatType.PRIVATE
GUEST, MEMBER, ASSOCIATE, HQ = Role.GUEST, Role.MEMBER, Role.ASSOCIATE, Role.HQ
# What the relay carries besides text (contacts: see member.on_contact in the consumer bot).
RELAYED_MEDIA = (filters.PHOTO | filters.VOICE | filters.VIDEO | filters.Document.ALL | filters.Sticker.ALL
                 | filters.LOCATION)


def build_application(kind: BotKind, token: str, bot_api_url: str, transport: str = "aiohttp") -> StorelinkApplication:
    """The Application of one bot, its handlers registered; the runtime attaches the
    Services (`bot_data.services`) once both bots have said who they are (getMe).

    Updates reach the Application from our ingress (webhook or poller), never from PTB's
    Updater: the ingress records each update durably before it is handled.

    Messages to people go through the outbox and the sender with limits shared by every
    process; the Application's own bot (AIORateLimiter, per process) serves the few direct
    calls that must answer at once, such as answerCallbackQuery."""
    api = bot_api_url
    requests = bot_requests(transport)
    app: StorelinkApplication = (
        Application.builder()
        .token(token)
        .request(requests["request"])
        .get_updates_request(requests["get_updates_request"])
        .base_url(f"{api}/bot")
        .base_file_url(f"{api}/file/bot")
        .context_types(ContextTypes(context=StorelinkContext, bot_data=AppData))
        .rate_limiter(AIORateLimiter(max_retries=2))
        .updater(None)
        .build()
    )
    app.bot_data.kind = kind
    for handler in HANDLERS[kind]:
        app.add_handler(handler)
    app.add_handler(stale_buttons.stale_button_handler(), group=stale_buttons.GROUP)  # before every feature handler
    app.bot_data.commands = commands_of(HANDLERS[kind])  # /help and the menus are rendered from these
    app.add_error_handler(errors.on_error)
    return app


# Order matters within a group: the first matching handler wins. Commands come before the
# catch-all message handlers; a /word no Command claims gets the person's help, last.
# Every command is a Command: it names the roles it is for and the catalog key of the line
# that describes it, and /help and the command menus (bot/interface/command_menus.py) are made from them.
HANDLERS = {
    BotKind.CONSUMER: [
        # First: an edit is never a new message (PTB's message filters match edits too).
        MessageHandler(PRIVATE & filters.UpdateType.EDITED_MESSAGE, relay.on_member_edit),
        # Commands, in the order /help and the menu list them, each with who it is for.
        Command("start", enrollment.on_consumer_start, about("command.start_consumer", GUEST, MEMBER)),
        Command("me", member.on_me, about("command.me", MEMBER)),
        Command("switch", member_controls.on_switch, about("command.switch", MEMBER)),
        Command("stopchat", member_controls.on_ask_stop_chat, about("command.stopchat", MEMBER)),
        Command("stop", member.on_stop, about("command.stop", MEMBER)),
        Command("catalog", shop.on_catalog, about("command.catalog_member", MEMBER)),
        Command("new", shop.on_new, about("command.new", MEMBER)),
        # Buying in the chat (handlers/checkout.py, handlers/orders.py).
        Command("orders", orders.on_member_orders, about("command.orders_member", MEMBER)),
        Command("points", orders.on_points, about("command.points", MEMBER)),
        Command("cancel", checkout.on_cancel, about("command.cancel", MEMBER)),
        CallbackQueryHandler(checkout.on_checkout_start, pattern=CheckoutStart.pattern()),
        # Before shop.on_action: an older card's Buy / Reserve starts the checkout too.
        CallbackQueryHandler(checkout.on_checkout_start, pattern=LEGACY_START_PATTERN),
        CallbackQueryHandler(checkout.on_checkout_step, pattern=CheckoutStep.pattern()),
        CallbackQueryHandler(orders.on_order_answer, pattern=OrderAnswer.pattern()),
        CallbackQueryHandler(orders.on_member_orders, pattern=OrdersPage.pattern()),
        Command("help", start.on_help, about("command.help", GUEST, MEMBER)),
        CallbackQueryHandler(member_controls.on_switch, pattern=ChooseAssociate.pattern()),
        CallbackQueryHandler(member_controls.on_switch_to, pattern=SwitchTo.pattern()),
        CallbackQueryHandler(member_controls.on_ask_stop_chat, pattern=AskStopChat.pattern()),
        CallbackQueryHandler(member_controls.on_stop_chat, pattern=StopChat.pattern()),
        CallbackQueryHandler(enrollment.on_switch_choice, pattern=SwitchChoice.pattern()),
        CallbackQueryHandler(enrollment.on_pick_store, pattern=PickStore.pattern()),
        CallbackQueryHandler(enrollment.on_pick_associate, pattern=PickAssociate.pattern()),
        CallbackQueryHandler(member.on_consent, pattern=ConsentChoice.pattern()),
        CallbackQueryHandler(member.on_me, pattern=ShowCard.pattern()),
        # The catalog (handlers/shop.py): pages, a product's card, Ask.
        CallbackQueryHandler(shop.on_page, pattern=ShopList.pattern()),
        CallbackQueryHandler(shop.on_product, pattern=ShopProduct.pattern()),
        CallbackQueryHandler(shop.on_action, pattern=ShopAction.pattern()),
        MessageHandler(PRIVATE & filters.CONTACT, member.on_contact),
        # Paying by invoice (handlers/payments.py); the ingress handles pre-checkout queries at once.
        PreCheckoutQueryHandler(payments.on_pre_checkout),
        MessageHandler(PRIVATE & filters.SUCCESSFUL_PAYMENT, payments.on_successful_payment),
        ChatMemberHandler(membership.on_consumer_bot_status, ChatMemberHandler.MY_CHAT_MEMBER),
        MessageHandler(PRIVATE & RELAYED_MEDIA, relay.on_member_media),
        # Last: plain text that no command claimed (a member's message, or a short code).
        MessageHandler(PRIVATE & filters.TEXT & ~filters.COMMAND, enrollment.on_consumer_text),
        MessageHandler(PRIVATE & filters.COMMAND, start.on_unknown_command),  # any other /word: the person's help
    ],
    BotKind.ASSOCIATE: [
        MessageHandler(PRIVATE & filters.UpdateType.EDITED_MESSAGE, relay.on_associate_edit),  # first, as above
        # Commands, in the order /help and the menu list them, each with who it is for.
        Command("start", start.on_associate_start, about("command.start_staff", GUEST, ASSOCIATE, HQ)),
        Command("qr", qr.on_qr, about("command.qr", ASSOCIATE)),
        Command("welcome", welcome.on_welcome, about("command.welcome", ASSOCIATE)),
        Command("leaderboard", leaderboard.on_leaderboard, {ASSOCIATE: "command.leaderboard_mine", HQ: "command.leaderboard_brand"}),
        Command("chats", chats.on_chats, about("command.chats", ASSOCIATE)),
        Command("history", relay.on_history, about("command.history", ASSOCIATE)),
        CallbackQueryHandler(chats.on_chats_page, pattern=ChatsPage.pattern()),
        CallbackQueryHandler(chats.on_open_chat, pattern=OpenChat.pattern()),
        # The member workspace: /members, tags and notes, writing from /chats (handlers/workspace.py).
        Command("members", workspace.on_members, about("command.members", ASSOCIATE)),
        Command("tag", workspace.on_tag, about("command.tag", ASSOCIATE)),
        Command("untag", workspace.on_untag, about("command.untag", ASSOCIATE)),
        Command("note", workspace.on_note, about("command.note", ASSOCIATE)),
        Command("done", workspace.on_done, about("command.done", ASSOCIATE)),
        CallbackQueryHandler(workspace.on_member_action, pattern=MemberAction.pattern()),
        CallbackQueryHandler(workspace.on_remove_tag, pattern=RemoveTag.pattern()),
        CallbackQueryHandler(workspace.on_members_page, pattern=MembersPage.pattern()),
        # The catalog and picks sent to members (handlers/catalog.py).
        Command("catalog", catalog.on_catalog, about("command.catalog_staff", ASSOCIATE)),
        CallbackQueryHandler(catalog.on_open_catalog, pattern=OpenCatalog.pattern()),
        CallbackQueryHandler(catalog.on_catalog_page, pattern=CatalogList.pattern()),
        CallbackQueryHandler(catalog.on_catalog_product, pattern=CatalogProduct.pattern()),
        CallbackQueryHandler(catalog.on_choose_recipient, pattern=ChooseRecipient.pattern()),
        CallbackQueryHandler(catalog.on_send_pick, pattern=SendPick.pattern()),
        CallbackQueryHandler(catalog.on_send_lookbook, pattern=SendLookbook.pattern()),
        # Availability and escalations (handlers/availability.py).
        Command("hours", availability.on_hours, about("command.hours", ASSOCIATE)),
        Command("away", availability.on_away, about("command.away", ASSOCIATE)),
        Command("back", availability.on_back, about("command.back", ASSOCIATE)),
        Command("escalations", availability.on_escalations, about("command.escalations", ASSOCIATE)),
        Command("orders", orders.on_staff_orders, about("command.orders_staff", ASSOCIATE)),
        CallbackQueryHandler(orders.on_order_desk, pattern=OrderDesk.pattern()),
        # An order's next step typed out, beside the order card's buttons (handlers/order_steps.py).
        Command("order", order_steps.on_order, about("order_update.command", ASSOCIATE)),
        Command("help", start.on_help, about("command.help", GUEST, ASSOCIATE, HQ)),
        CallbackQueryHandler(availability.on_claim, pattern=ClaimEscalation.pattern()),
        # Last: an associate's text, media, location or contact, a reply to a relayed member's message.
        MessageHandler(PRIVATE & (RELAYED_MEDIA | filters.CONTACT | (filters.TEXT & ~filters.COMMAND)), relay.on_associate_message),
        MessageHandler(PRIVATE & filters.COMMAND, start.on_unknown_command),  # any other /word: the person's help
    ],
}
