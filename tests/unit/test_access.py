"""The access rules: one place decides who may act on a member or a store's data."""

from __future__ import annotations

import ast
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from commerce.access import NotAllowed, access_staff, is_manager, owns
from commerce.bots import Role
from commerce.identity import Identity
from commerce.people import Associate, AssociateStatus, Link, Store

T0 = datetime(2024, 1, 1, tzinfo=UTC)
COMMERCE = Path(__file__).resolve().parents[2] / "commerce"


def _associate(id: int, status: AssociateStatus = AssociateStatus.ACTIVE, manager: bool = False) -> Associate:
    return Associate(id=id, store_id=1, display_name="Bo", short_code=f"C{id}", status=status, is_manager=manager)


@given(owner=st.integers(1, 5), asker=st.integers(1, 5), status=st.sampled_from(AssociateStatus))
def test_an_associate_owns_a_member_only_through_the_current_link_while_active(owner, asker, status):
    link = Link(member_id=7, associate_id=owner, started_at=T0)
    assert owns(_associate(asker, status), link) == (owner == asker and status is AssociateStatus.ACTIVE)
    assert not owns(_associate(asker, status), None)


def test_only_an_active_associate_with_a_store_is_staff():
    store = Store(id=1, brand_id=1, code="S", name="S", timezone="UTC")
    bo = _associate(1)
    assert access_staff(Identity(Role.ASSOCIATE, 10, associate=bo, store=store)).associate == bo
    for who in (Identity(Role.HQ, 10), Identity(Role.GUEST, 10), Identity(Role.ASSOCIATE, 10, associate=bo)):
        with pytest.raises(NotAllowed):
            access_staff(who)


def test_a_manager_who_left_sees_no_escalations():
    assert is_manager(_associate(1, manager=True))
    assert not is_manager(_associate(1, AssociateStatus.DEACTIVATED, manager=True))
    assert not is_manager(_associate(1))


def test_the_ownership_rule_is_written_once():
    """No module but commerce/access.py compares a link's associate with the asking
    associate. (Enrollment compares it with the associate whose code was scanned: whether
    a scan is a rescan, not whether anyone may act.)"""
    offenders = []
    for path in COMMERCE.rglob("*.py"):
        if path.name in ("access.py", "enrollment.py"):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ClassDef) and node.name == "NotYours":
                offenders.append(f"{path.name}: class NotYours")
            if isinstance(node, ast.Compare) and "link.associate_id" in ast.unparse(node) and "associate.id" in ast.unparse(node):
                offenders.append(f"{path.name}:{node.lineno}")
    assert offenders == []
