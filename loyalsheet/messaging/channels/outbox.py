"""The local outbox: every message becomes a file in a folder, so nothing leaves the shop.

It is the channel when no SMS or e-mail provider is configured. An e-mail becomes an ``.eml`` file (open
it in any mail program); an SMS becomes a ``.txt`` file with a few header lines and the text. A file is
named after the message key (made safe for every file system) and written atomically: a temporary file
in the same folder, fsynced, then ``os.replace``. A message whose file exists is never written again,
and :meth:`Outbox.find_sent` answers from the folder, so the outbox is exactly-once like the real channels.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Collection
from pathlib import Path

from ...files import atomic_write
from ..ledger import ChannelName, Entry, OutgoingMessage
from .base import ChannelDown, SendResult
from .smtp_email import message_bytes

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def outbox_name(key: str, channel: ChannelName) -> str:
    """The file name of a message: the key made safe (``:`` is not allowed on Windows) + a short hash.

    ``birthday:M0042:2026`` (email) -> ``birthday_M0042_2026-<8 hex>.eml``. The hash keeps two keys that
    differ only in unsafe characters apart.
    """
    safe = _UNSAFE.sub("_", key).strip("._")[:120] or "message"
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:8]
    return f"{safe}-{digest}.{'eml' if channel == 'email' else 'txt'}"


def _sms_text(msg: OutgoingMessage) -> str:
    return (f"To: {msg.to}\nKey: {msg.key}\nMember: {msg.member_id}\nCampaign: {msg.campaign}\n"
            f"Kind: {msg.kind}\nPlanned for: {msg.planned_for.isoformat()}\n\n{msg.body}\n")


class Outbox:
    """Write messages into ``folder`` (created when needed)."""

    provider = "outbox"
    can_find_sent = True

    def __init__(self, folder: Path, *, sender: str = "shop@localhost", sender_name: str | None = None) -> None:
        self.folder = Path(folder)
        self.sender = sender
        self.sender_name = sender_name

    def path_for(self, key: str, channel: ChannelName) -> Path:
        """Where the message with ``key`` goes (or went)."""
        return self.folder / outbox_name(key, channel)

    marks_final_step = False  # one atomic file write; ``find_sent`` looks for the file
    concurrent = False  # one message at a time, on the sender's own thread

    def send(self, msg: OutgoingMessage, final_step: Callable[[], None] | None = None) -> SendResult:
        """Write the file unless it is already there; the provider id is ``outbox:<file name>``."""
        path = self.path_for(msg.key, msg.channel)
        if path.exists():
            return SendResult(f"outbox:{path.name}")
        if msg.channel == "email":
            data = message_bytes(msg, self.sender, sender_name=self.sender_name)
        else:
            data = _sms_text(msg).encode("utf-8")
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            atomic_write(path, data)
        except OSError as exc:
            raise ChannelDown("config", "outbox", f"cannot write into {self.folder}: {exc}") from exc
        return SendResult(f"outbox:{path.name}")

    def find_sent(self, entry: Entry, *, exclude: Collection[str] = ()) -> str | None:
        """``outbox:<file name>`` when the file is there, else None."""
        path = self.path_for(entry.key, entry.channel)
        pid = f"outbox:{path.name}"
        return pid if path.exists() and pid not in exclude else None

    def close(self) -> None:
        """Nothing to release."""


__all__ = ["Outbox", "outbox_name"]
