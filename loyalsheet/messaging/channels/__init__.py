"""The ways a message leaves: Twilio or Aliyun SMS, SMTP e-mail, or the local outbox folder.

:func:`channels_from_config` picks them from config.yaml: a configured ``sms`` / ``email`` channel is
used for its messages; anything not configured goes to the outbox folder, so nothing leaves the shop
until a person sets a provider up. Secrets are read from the environment variables the config names.
"""

from __future__ import annotations

from collections.abc import Mapping

from ...config import Config
from ..ledger import ChannelName
from .base import Channel, ChannelDown, ChannelError, DownKind, PermanentError, RetryableError, SendResult
from .outbox import Outbox, outbox_name
from .smtp_email import SmtpEmail, build_email
from .twilio_sms import TWILIO_API, TwilioSms


def channels_from_config(config: Config, environ: Mapping[str, str], *,
                         twilio_base_url: str = TWILIO_API) -> dict[ChannelName, Channel]:
    """One channel per message channel ("sms", "email"), built from ``config.channels``.

    Raises :class:`~loyalsheet.errors.LoyalsheetError` naming the environment variable when a
    configured channel's secret is missing.
    """
    settings = config.channels
    store = config.default_store.name
    sender = settings.email.sender if settings.email is not None else "shop@localhost"
    outbox = Outbox(config.base_dir / settings.outbox, sender=sender, sender_name=store)
    result: dict[ChannelName, Channel] = {"sms": outbox, "email": outbox}
    if settings.sms is not None and settings.sms.provider == "aliyun":
        from .aliyun_sms import AliyunSms  # (Aliyun's client takes a second to import: only when used)

        result["sms"] = AliyunSms.from_config(settings.sms, environ)
    elif settings.sms is not None:
        result["sms"] = TwilioSms.from_config(settings.sms, environ, base_url=twilio_base_url)
    if settings.email is not None:
        result["email"] = SmtpEmail.from_config(settings.email, environ, sender_name=store)
    return result


__all__ = [
    "TWILIO_API",
    "Channel",
    "ChannelDown",
    "ChannelError",
    "DownKind",
    "Outbox",
    "PermanentError",
    "RetryableError",
    "SendResult",
    "SmtpEmail",
    "TwilioSms",
    "build_email",
    "channels_from_config",
    "outbox_name",
]
