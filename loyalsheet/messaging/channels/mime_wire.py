"""An e-mail's bytes, written directly: what the ``email`` package would write, without its objects.

:func:`loyalsheet.messaging.channels.smtp_email.build_email` builds a message with the classic ``email.mime``
classes and the generator writes it (compat32 with CRLF line ends): about 0.4 ms a message, a quarter of
what sending one costs on a local server. :func:`wire_bytes` writes the very same bytes for the usual
message (ASCII addresses; text, or text and HTML as ``multipart/alternative``) in about a tenth of that:
the fixed header lines are constants, each part's body is its text with CRLF line ends (7bit) or its
UTF-8 in base64 lines of 76 (as ``MIMEText`` chooses), and every other header line goes through the same
policy's ``fold_binary`` the generator calls, so encoded words and folding are compat32's own.
tests/test_mime_wire.py compares the two byte for byte on many random messages.

Where the direct way does not apply, :func:`wire_bytes` returns None and the caller builds with the
``email`` package: a non-ASCII address (the modern SMTPUTF8 policy), or a text that contains the
boundary made from the key (the generator then picks a random one).
"""

from __future__ import annotations

import base64
import hashlib
import re
from email._policybase import Compat32
from email.header import Header
from email.utils import formataddr, formatdate
from typing import Any

from ..ledger import OutgoingMessage


class _Wire(Compat32):
    """compat32 with CRLF line ends, and a short cut for the usual header: one short line of printable ASCII.

    compat32 folds every header through ``email.header.Header`` (about 40 microseconds each, a dozen a
    message); for a value of printable ASCII with no leading, trailing or doubled space whose line
    fits in 78 characters that gives ``Name: value`` unchanged, which is written here directly
    (tests/test_channels.py compares the two on random values). Anything else takes compat32's way.
    """

    def fold_binary(self, name: str, value: Any) -> bytes:
        if (isinstance(value, str) and len(name) + len(value) <= 76 and value.isascii() and value.isprintable()
                and "  " not in value and value == value.strip()):
            return f"{name}: {value}{self.linesep}".encode("ascii")
        folded: bytes = super().fold_binary(name, value)
        return folded


WIRE = _Wire(linesep="\r\n")  # made once: cloning a policy per message costs more than the message


def _domain(address: str) -> str:
    return address.rpartition("@")[2] or "localhost"


def message_id(key: str, sender: str) -> str:
    """The Message-ID of the message with ledger key ``key``: the same on every attempt, unique per key."""
    return f"<{hashlib.sha256(key.encode('utf-8')).hexdigest()[:40]}.loyalsheet@{_domain(sender)}>"


def boundary(msg: OutgoingMessage) -> str | None:
    """The multipart boundary of ``msg``: made from its key (the same on every attempt), unless the text
    happens to contain it (then None: the generator picks a random one and checks it, as it always did).
    Picking it here saves the generator a regular expression compiled for every message."""
    mark = f"==============={hashlib.sha256(msg.key.encode('utf-8')).hexdigest()[:24]}=="
    return None if mark in msg.body or mark in (msg.html or "") else mark


def seven_bit(text: str) -> bool:
    """A part goes as 7bit when its text is ASCII with short lines (readable as it travels), else UTF-8 in base64."""
    return text.isascii() and all(len(line) <= 900 for line in text.splitlines())


_NEWLINE = re.compile(r"\r\n|\r|\n")  # the generator's line ends (email.generator.NLCRE), not str.splitlines'


def _part_head(subtype: str, charset: str, cte: str) -> bytes:
    return b"".join((WIRE.fold_binary("Content-Type", f'text/{subtype}; charset="{charset}"'),
                     WIRE.fold_binary("MIME-Version", "1.0"), WIRE.fold_binary("Content-Transfer-Encoding", cte)))


_HEADS = {(subtype, ascii_): _part_head(subtype, "us-ascii" if ascii_ else "utf-8", "7bit" if ascii_ else "base64")
          for subtype in ("plain", "html") for ascii_ in (True, False)}
# The multipart header, folded once for a boundary of the same shape (15 "=", 24 hex digits, "=="); the
# boundary itself is put in per message.
_SAMPLE = f"==============={'0' * 24}=="
_MULTIPART = WIRE.fold_binary("Content-Type", f'multipart/alternative; boundary="{_SAMPLE}"').replace(
    _SAMPLE.encode("ascii"), b"%s") + WIRE.fold_binary("MIME-Version", "1.0")


def _part(text: str, subtype: str) -> tuple[bytes, bytes]:
    """A text part's header lines and its body as the generator writes them."""
    if seven_bit(text):
        return _HEADS[subtype, True], _NEWLINE.sub("\r\n", text).encode("ascii")
    return _HEADS[subtype, False], base64.encodebytes(text.encode("utf-8")).replace(b"\n", b"\r\n")


def wire_bytes(msg: OutgoingMessage, sender: str, *, sender_name: str | None = None,
               date: str | None = None) -> bytes | None:
    """``msg`` as :func:`~loyalsheet.messaging.channels.smtp_email.build_email` and the generator make it, lines
    ending in CRLF; None where only the ``email`` package will do (see the module docstring).

    ``date``: the Date header's value (default: now, as ``formatdate(usegmt=True)``)."""
    if not (msg.to + sender).isascii():
        return None
    mark = boundary(msg) if msg.html else ""
    if mark is None:
        return None
    subject = " ".join((msg.subject or "").split())  # a line break typed in a cell must not end the header
    if sender_name:
        sender_name = " ".join(sender_name.split())
    fold = WIRE.fold_binary
    lines = [fold("From", formataddr((sender_name, sender), charset="utf-8") if sender_name else sender),
             fold("Subject", subject if subject.isascii() else Header(subject, "utf-8").encode()),
             fold("To", msg.to), fold("Date", date if date is not None else formatdate(usegmt=True)),
             fold("Message-ID", message_id(msg.key, sender))]
    unsubscribe = msg.list_unsubscribe
    if unsubscribe is None and msg.kind == "marketing":
        unsubscribe = f"<mailto:{sender}?subject=unsubscribe>"
    if unsubscribe:
        lines.append(fold("List-Unsubscribe", unsubscribe))
    head, body = _part(msg.body, "plain")
    if not msg.html:
        return b"".join((head, *lines, b"\r\n", body))
    html_head, html_body = _part(msg.html, "html")
    dashes = b"--" + mark.encode("ascii")
    return b"".join((_MULTIPART % mark.encode("ascii"), *lines, b"\r\n", dashes, b"\r\n", head, b"\r\n", body,
                     b"\r\n", dashes, b"\r\n", html_head, b"\r\n", html_body, b"\r\n", dashes, b"--\r\n"))


__all__ = ["WIRE", "boundary", "message_id", "seven_bit", "wire_bytes"]
