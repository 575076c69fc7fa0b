"""What people write to us and what we send them, as domain values.

A use case takes a person's message as `Incoming` (parsed by the handler) and hands every
message it decides to send to the `Postbox` as an `Outbound`: to whom (bot and chat) and
what (one of the bodies below, the facts a renderer needs). It never builds Bot API
parameters; bot/ renders each body and writes its outbox rows in the caller's transaction,
and tells the sender once that transaction has committed.

`post` returns the id of the outbox row that carries the message, because the brand's
history, escalation notices and albums name the copy they were delivered by, in the same
transaction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from commerce.bots import BotKind
from commerce.conversations import ConversationMessage, MessageKind
from commerce.outbox import OutboxMessage, OutboxPurpose
from commerce.people import Associate, Member, Store

if TYPE_CHECKING:  # these modules speak of messages too: imported for the types only
    from commerce.albums import AlbumItem
    from commerce.availability import AutoReply
    from commerce.chats import Undelivered
    from commerce.leaderboard import Board
    from commerce.workspace import BadNote, NoteAdded, TagResult, TagsAndNotes


@dataclass(frozen=True, slots=True)
class Content:
    """What a person wrote: text; media (the writer's bot's file_id) with a caption; a
    sticker's emoji; a location's "lat,lon"; a contact's name (its card in `card`)."""

    kind: MessageKind
    text: str | None
    file_id: str | None = None
    file_name: str | None = None  # documents keep their name and type across bots
    mime_type: str | None = None
    card: Mapping[str, Any] | None = None  # location {latitude, longitude} or contact {phone_number, first_name, ...}


@dataclass(frozen=True, slots=True)
class Incoming:
    """A message as the relay needs it: where it was written and what it says."""

    chat_id: int  # the writer's private chat with the bot
    message_id: int
    content: Content
    locale: str  # the writer's language, as their client reports it
    media_group_id: str | None = None  # an album's items share it
    replied_message_id: int | None = None  # the message in the same chat it replies to


@dataclass(frozen=True, slots=True)
class Outbound:
    """One message to send: `body` is rendered by bot/ for `chat_id` in `bot`; `purpose`
    decides its lane (a notice never goes before someone's conversation)."""

    bot: BotKind
    chat_id: int
    body: Any
    purpose: OutboxPurpose = OutboxPurpose.REPLY


class Postbox(Protocol):
    """The shell's side of a use case's effects, bound to the caller's transaction."""

    async def post(self, message: Outbound) -> int:
        """Queue the message; the id of the outbox row a reply to it names."""
        ...

    async def first_of(self, key: str, ttl: float) -> bool:
        """True the first time `key` is seen within `ttl` seconds (answers said once per album)."""
        ...

    def album_item_held(self, bot: BotKind, chat_id: int, media_group_id: str) -> None:
        """After commit: (re)start the album's quiet timer."""
        ...


# --- bodies: the facts each kind of message is rendered from -------------------------------


@dataclass(frozen=True, slots=True)
class Said:
    """A catalog text, as it stands, in `locale`."""

    locale: str
    key: str
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class PhonePromptClosed:
    """A catalog text, plain, that also takes the phone prompt's keyboard away."""

    locale: str
    key: str


@dataclass(frozen=True, slots=True)
class RelayedIn:
    """A member's message for their associate, under a header (who, tier, store, tags)."""

    member: Member
    associate: Associate
    store: Store
    content: Content
    tags: Sequence[str] = ()


@dataclass(frozen=True, slots=True)
class RelayedOut:
    """An associate's message for their member, under the associate's persona."""

    member: Member
    associate: Associate
    store: Store
    content: Content


@dataclass(frozen=True, slots=True)
class CopyEdited:
    """The other side's copy (outbox row `copy`) of an edited message, edited in place.
    `inbound`: a member's message (the header is kept) or an associate's (the persona)."""

    inbound: bool
    member: Member
    associate: Associate
    store: Store
    kind: MessageKind
    text: str | None
    copy: OutboxMessage
    tags: Sequence[str] = ()


@dataclass(frozen=True, slots=True)
class AlbumItemEdited:
    """The caption of item `position` of an album delivered by outbox row `copy_id`."""

    inbound: bool
    member: Member
    associate: Associate
    store: Store
    copy_id: int
    position: int
    caption: str | None
    tags: Sequence[str] = ()


@dataclass(frozen=True, slots=True)
class AlbumRelayed:
    """Part of an album (up to one media group) for the other side. `inbound`: a member's."""

    inbound: bool
    member: Member
    associate: Associate
    store: Store
    items: Sequence[AlbumItem]
    tags: Sequence[str] = ()


@dataclass(frozen=True, slots=True)
class AutoReplied:
    """The member is told their message is kept and when their associate will answer."""

    locale: str
    reply: AutoReply
    now: datetime


@dataclass(frozen=True, slots=True)
class NoAssociateHere:
    """The member has nobody to write to: the way to choose someone."""

    locale: str


@dataclass(frozen=True, slots=True)
class History:
    """A member's latest messages both ways, with the writers' names."""

    locale: str
    member: Member
    messages: Sequence[ConversationMessage]
    names: Mapping[int, str]


@dataclass(frozen=True, slots=True)
class ClaimFirstNotice:
    """A reply to an escalation card nobody (or someone else, `claimer`) has claimed."""

    locale: str
    claimer: Associate | None


@dataclass(frozen=True, slots=True)
class EscalationAnswered:
    """The member's associate hears what the teammate who claimed the escalation said."""

    owner: Associate
    member: Member
    by: Associate
    content: Content


@dataclass(frozen=True, slots=True)
class CardClosed:
    """A teammate's Claim card (outbox row `card_id`): the owner answered the member."""

    teammate: Associate
    card_id: int
    member: Member
    owner: Associate


@dataclass(frozen=True, slots=True)
class CardTaken:
    """A teammate's Claim card (outbox row `card_id`): `claimer` took the escalation."""

    teammate: Associate
    card_id: int
    member: Member
    claimer: Associate


@dataclass(frozen=True, slots=True)
class CardClaimed:
    """The presser's own Claim card (Telegram message `message_id` of their chat): theirs now."""

    locale: str
    message_id: int
    member: Member


@dataclass(frozen=True, slots=True)
class NotDelivered:
    """The writer of a relayed message hears it did not arrive."""

    notice: Undelivered
    default_locale: str


@dataclass(frozen=True, slots=True)
class StandingLine:
    """An associate's own recruitment result on the board, titled with its period."""

    locale: str
    board: Board
    associate_id: int


@dataclass(frozen=True, slots=True)
class PictureShown:
    """An image kept as blob `blob_id`, under its caption (HTML)."""

    blob_id: int
    caption: str


# --- the associate's workspace ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TagAnswered:
    """What a tag added or removed did (or why not). `again`: the tag was asked for."""

    locale: str
    member: Member
    result: TagResult
    added: bool
    again: bool


@dataclass(frozen=True, slots=True)
class NoteAnswered:
    locale: str
    result: NoteAdded | BadNote
    again: bool


@dataclass(frozen=True, slots=True)
class TagsAndNotesShown:
    locale: str
    view: TagsAndNotes
