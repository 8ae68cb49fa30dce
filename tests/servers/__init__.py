"""Real servers on 127.0.0.1 for the sending tests: a Twilio-speaking HTTP server and an SMTP server.

Both start on a free port and stop on exit; use them as context managers::

    with twilio_server() as tw, smtp_server() as sink:
        ...

(shared pytest fixtures may wrap these later, in tests/conftest.py).
"""

from __future__ import annotations

from .smtp_server import CLOSE, Received, SmtpSink, smtp_server
from .twilio_server import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    FakeTwilio,
    Scripted,
    invalid_number,
    rate_limited,
    server_error,
    twilio_server,
    unsubscribed,
)

__all__ = [
    "ACCOUNT_SID",
    "AUTH_TOKEN",
    "CLOSE",
    "FakeTwilio",
    "Received",
    "Scripted",
    "SmtpSink",
    "invalid_number",
    "rate_limited",
    "server_error",
    "smtp_server",
    "twilio_server",
    "unsubscribed",
]
