"""The associate's member workspace: tags, notes, the Write focus, /members filters (migration 0005)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime


class MemberTagRow(SQLModel, table=True):
    __tablename__ = "member_tag"
    __table_args__ = (
        # One tag once per member; also serves "members with tag X" as an EXISTS probe.
        sa.UniqueConstraint("member_id", "tag", name="uq_member_tag_member_id_tag"),
    )

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="member.id")
    tag: str = Field(sa_type=sa.String(24))
    added_at: datetime = Field(sa_type=UTCDateTime)
    added_by: str = Field(sa_type=sa.String(64))


class MemberNoteRow(SQLModel, table=True):
    __tablename__ = "member_note"
    __table_args__ = (
        # A member's notes, newest first.
        sa.Index("ix_member_note_member_id_id", "member_id", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="member.id")
    associate_id: int | None = Field(default=None, foreign_key="associate.id")
    author: str = Field(sa_type=sa.String(200))
    text: str = Field(sa_type=sa.Text)
    created_at: datetime = Field(sa_type=UTCDateTime)


class AssociateFocusRow(SQLModel, table=True):
    """What an associate's next message that is not a reply means (write / tag / note)."""

    __tablename__ = "associate_focus"

    associate_id: int = Field(foreign_key="associate.id", primary_key=True, sa_column_kwargs={"autoincrement": False})
    member_id: int = Field(foreign_key="member.id")
    mode: str = Field(sa_type=sa.String(8))
    since: datetime = Field(sa_type=UTCDateTime)


class AssociateMembersFilterRow(SQLModel, table=True):
    """The words of an associate's last /members: its paging buttons carry only a page
    number and a digest of these (a tag in Chinese would not fit 64 bytes of callback data)."""

    __tablename__ = "associate_members_filter"

    associate_id: int = Field(foreign_key="associate.id", primary_key=True, sa_column_kwargs={"autoincrement": False})
    words: str = Field(sa_type=sa.String(200))
    saved_at: datetime = Field(sa_type=UTCDateTime)


WORKSPACE_TABLES = (MemberTagRow, MemberNoteRow, AssociateFocusRow, AssociateMembersFilterRow)
