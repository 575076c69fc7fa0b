"""The associate's member workspace: tags, notes, the Write focus, /members filters."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from commerce.workspace_values import (
    Focus,
    MemberFilter,
    MemberNote,
    MemberSummary,
    MemberTag,
    MessageStats,
)
from commerce.people import Member


class WorkspaceRepository(Protocol):
    """The associate's workspace: tags, notes, the focus of each associate, /members."""

    async def tags_of(self, member_id: int) -> Sequence[MemberTag]:
        """The member's tags, alphabetically."""
    async def add_tag(self, tag: MemberTag) -> bool:
        """False (and nothing changed) if the member has the tag already."""
    async def remove_tag(self, member_id: int, tag: str) -> bool:
        """False if the member did not have the tag."""
    async def notes_of(self, member_id: int, limit: int) -> Sequence[MemberNote]:
        """The member's notes, newest first."""
    async def add_note(self, note: MemberNote) -> MemberNote: ...
    async def focus_of(self, associate_id: int) -> Focus | None: ...
    async def set_focus(self, focus: Focus) -> None:
        """Replace the associate's focus (one per associate)."""
    async def clear_focus(self, associate_id: int) -> None: ...
    async def saved_filter(self, associate_id: int) -> str | None:
        """The words of the associate's last /members, for its paging buttons."""
    async def save_filter(self, associate_id: int, words: str, at: datetime) -> None: ...
    async def message_stats(self, member_id: int) -> MessageStats: ...
    async def member_by_username(self, brand_id: int, username: str) -> Member | None:
        """Case-insensitive, without the "@"."""
    async def members_of(self, associate_id: int, where: MemberFilter, now: datetime, limit: int,
                         offset: int = 0) -> Sequence[MemberSummary]:
        """The associate's current members matching the filter, latest contact first."""
