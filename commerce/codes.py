"""Start payloads and short codes: what an associate's QR poster carries.

A consumer deep link is ``https://t.me/<consumer_bot>?start=<payload>``. Telegram hands
the payload back verbatim in ``/start <payload>``, and accepts at most 64 characters of
``[A-Za-z0-9_-]``. Every payload starts with a lowercase kind letter, so an enrollment
code and an associate invite can never be mistaken for one another:

    e<associate id, base 36><20 chars of HMAC-SHA256, base64url>    enrollment code
    i<random token kept in the database>                            associate invite

Enrollment codes are deterministic (a reprinted poster carries the same code) and
signed, so nobody can print a poster that enrols members to an associate of their
choosing. Verification tries every configured key, the current one first: after a
key rotation the previous key stays listed until the old posters are gone.

Short codes are the fallback for clients that drop the payload (Telegram Desktop does
for bots already started): six characters typed by hand, so the alphabet leaves out
0/O and 1/I/L, and derived by HMAC so that one associate's code says nothing about
the next one's.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import string
import unicodedata
from collections.abc import Sequence
from typing import Literal

from commerce import lengths

PAYLOAD_LIMIT = lengths.START_PARAMETER  # characters of a deep link's start parameter
ENROLL_PREFIX = "e"  # version 1 enrollment code; a new format takes a new letter
INVITE_PREFIX = "i"  # associate invite (random token, single use, stored in the database)

_PAYLOAD = re.compile(r"[A-Za-z0-9_-]{1,64}")
_BASE36 = string.digits + string.ascii_lowercase
_MAC_BYTES = 15  # 120 bits, a whole number of base64 characters (20), so no padding
_MAC_CHARS = 20
_ENROLL_DOMAIN = b"storelink/enroll/v1:"
_SHORT_DOMAIN = b"storelink/short-code/v1:"

SHORT_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read aloud and typed by hand
SHORT_CODE_LENGTH = 6  # 31**6, about 887 million codes
_SHORT_SEPARATORS = re.compile(r"[\s\-‐‑‒–—―_·.]+")

PayloadKind = Literal["enroll", "invite", "unknown"]


def sign_enrollment_code(associate_id: int, key: bytes) -> str:
    """The start payload printed in the associate's QR code."""
    if associate_id < 0:
        raise ValueError("associate ids are not negative")
    if not key:
        raise ValueError("an empty signing key signs nothing")
    body = _to_base36(associate_id)
    code = ENROLL_PREFIX + body + _mac(key, body)
    if len(code) > PAYLOAD_LIMIT:
        raise ValueError("associate id too large for a start payload")
    return code


def verify_enrollment_code(code: str, keys: Sequence[bytes]) -> int | None:
    """The associate id if ``code`` was signed with any of ``keys``; None otherwise.

    Never raises: the payload comes from whoever crafted the link."""
    if not isinstance(code, str) or not _PAYLOAD.fullmatch(code) or not code.startswith(ENROLL_PREFIX):
        return None
    body, mac = code[1:-_MAC_CHARS], code[-_MAC_CHARS:]
    associate_id = _from_base36(body)
    if associate_id is None or _to_base36(associate_id) != body:
        return None  # only the canonical spelling of an id is ever signed
    valid = False
    for key in keys:
        if isinstance(key, bytes) and key:
            valid |= hmac.compare_digest(_mac(key, body), mac)
    return associate_id if valid else None


def parse_start_payload(payload: str) -> tuple[PayloadKind, str]:
    """Which flow a ``/start`` payload belongs to, and the payload itself.

    The kind only routes: an "enroll" payload must still pass verify_enrollment_code
    and an "invite" payload must still be found, unused and unexpired, in storage."""
    if not isinstance(payload, str):
        return "unknown", ""
    payload = payload.strip()
    if not _PAYLOAD.fullmatch(payload):
        return "unknown", payload
    if payload.startswith(ENROLL_PREFIX) and len(payload) > 1 + _MAC_CHARS:
        return "enroll", payload
    if payload.startswith(INVITE_PREFIX) and len(payload) > 1:
        return "invite", payload
    return "unknown", payload


def invite_payload(token: str) -> str:
    """The start payload for an associate invite token (itself [A-Za-z0-9_-])."""
    payload = INVITE_PREFIX + token
    if not token or not _PAYLOAD.fullmatch(payload):
        raise ValueError("an invite token is 1-63 characters of [A-Za-z0-9_-]")
    return payload


def make_short_code(associate_id: int, key: bytes, attempt: int = 0) -> str:
    """Six unambiguous characters for the associate, e.g. "K7QXM4".

    Codes are not unique by construction: the caller stores the code with the associate
    under a unique constraint and, on a clash, asks again with ``attempt + 1``. Being
    derived from the key, a code is made once and kept; it does not follow key rotation."""
    if associate_id < 0 or attempt < 0:
        raise ValueError("associate id and attempt are not negative")
    digest = hmac.new(key, _SHORT_DOMAIN + f"{associate_id}:{attempt}".encode(), hashlib.sha256).digest()
    number = int.from_bytes(digest[:8], "big")  # 64 bits for 30 bits of code: the modulo bias is negligible
    base = len(SHORT_CODE_ALPHABET)
    chars = []
    for _ in range(SHORT_CODE_LENGTH):
        number, index = divmod(number, base)
        chars.append(SHORT_CODE_ALPHABET[index])
    return "".join(chars)


def normalise_short_code(text: str) -> str | None:
    """A short code as typed ("k7q-xm4", " K7Q XM4 ", full-width letters) in its stored
    form, or None when the text cannot be one."""
    if not isinstance(text, str) or len(text) > 4 * PAYLOAD_LIMIT:
        return None
    # NFKC folds the full-width letters that Chinese input methods produce to ASCII.
    candidate = _SHORT_SEPARATORS.sub("", unicodedata.normalize("NFKC", text)).upper()
    if len(candidate) != SHORT_CODE_LENGTH or any(c not in SHORT_CODE_ALPHABET for c in candidate):
        return None
    return candidate


def _mac(key: bytes, body: str) -> str:
    digest = hmac.new(key, _ENROLL_DOMAIN + body.encode("ascii"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:_MAC_BYTES]).decode("ascii")


def _to_base36(number: int) -> str:
    digits = []
    while True:
        number, index = divmod(number, 36)
        digits.append(_BASE36[index])
        if number == 0:
            return "".join(reversed(digits))


def _from_base36(text: str) -> int | None:
    """Callers check the result re-encodes to ``text``: int() also takes upper case and "_"."""
    if not text or not text.isascii() or not text.isalnum():
        return None
    return int(text, 36)
