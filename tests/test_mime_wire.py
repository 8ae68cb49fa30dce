"""The e-mail bytes written directly (loyalsheet/channels/mime_wire.py) against the ``email`` package.

The reference is :func:`build_email` (the classic ``email.mime`` classes) written by the generator with
compat32 and CRLF line ends, as the channel sent mail before. The direct writer must give the same bytes
on random messages: Chinese and mixed subjects and display names, long and folded headers, every kind of
line end, long lines (base64 instead of 7bit), lines starting with "." or "From ", empty parts, HTML or
not, marketing and service mail, List-Unsubscribe or not; and where it cannot (a non-ASCII address, a
text holding the boundary) it must say so and leave the message to the ``email`` package.
"""

from __future__ import annotations

import random
from datetime import date
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import compat32, default
from email.utils import formatdate

import pytest

from loyalsheet.messaging.channels.mime_wire import boundary, message_id, wire_bytes
from loyalsheet.messaging.channels.smtp_email import build_email, email_bytes, message_bytes
from loyalsheet.messaging.ledger import OutgoingMessage

REFERENCE = compat32.clone(linesep="\r\n")  # compat32 itself, not the channel's policy with its short cut
DAY = date(2026, 11, 22)
SENDERS = ["shop@example.com", "a.b+c@mail.shop.example", "x@y"]
NAMES = [None, "", "   ", "Main", "旗舰店", "旗舰店 Main Street", "Shop, Inc.", 'The "Best" Shop', "a\\b (c) <d>",
         "  spaced   out\tname ", "Ünïcödé Shop", "Long " * 20, "长" * 40, "emoji 🎉 shop", "semi;colon", "x\ny"]
WORDS = ["points", "积分", "即将过期", "Dear", "member", "生日快乐！", "您有一份礼物", "Grüße", "café", "🎉",
         "=?utf-8?b?5L2g?=", "From", ".", "..", "a" * 90, "<b>", "&amp;", "http://shop.example/u?id=1&x=2",
         "\t", "  ", "\u3000", "\x00", "\x07", "é" * 30]
ENDS = ["\n", "\r\n", "\r", "\n\n", "\v", "\f", "\x1c", "\u2028", "\x85", " "]


def _text(rng: random.Random, words: int, *, ascii_only: bool = False) -> str:
    pool = [w for w in WORDS if w.isascii()] if ascii_only else WORDS
    out = []
    for _ in range(words):
        out.append(rng.choice(pool))
        out.append(rng.choice(ENDS) if rng.random() < 0.3 else " ")
    if rng.random() < 0.1:
        out.append("x" * rng.choice([899, 900, 901, 2000]))  # around the 7bit limit on one line
    if rng.random() < 0.2:
        out.insert(0, rng.choice([".", "From ", "\n", "\r\n"]))
    return "".join(out)


def _message(rng: random.Random, i: int) -> tuple[OutgoingMessage, str, str | None]:
    ascii_only = rng.random() < 0.5  # half the messages: the 7bit path in every part
    key = f"{rng.choice(['points', 'birthday', '生日'])}:M{i:06d}:{rng.randint(2020, 2030)}"
    subject = rng.choice([None, "", _text(rng, rng.randint(1, 4), ascii_only=ascii_only),
                          _text(rng, rng.randint(5, 30), ascii_only=ascii_only)])
    html = rng.choice([None, "", _text(rng, rng.randint(0, 60), ascii_only=ascii_only)])
    unsubscribe = rng.choice([None, "", "<mailto:u@shop.example>",
                              "<mailto:unsubscribe@shop.example?subject=stop>, <https://shop.example/u/" + "x" * 60 + ">"])
    to = rng.choice([f"m{i}@example.com", f"member.{i}+tag@sub.example.org", f"{'m' * 60}@example.com"])
    msg = OutgoingMessage(key=key, member_id=f"M{i:06d}", campaign="points", channel="email", to=to,
                          body=_text(rng, rng.randint(0, 80), ascii_only=ascii_only), subject=subject, html=html,
                          planned_for=DAY, kind=rng.choice(["service", "marketing"]), list_unsubscribe=unsubscribe)
    return msg, rng.choice(SENDERS), rng.choice(NAMES)


def _reference(msg: OutgoingMessage, sender: str, name: str | None, when: str) -> bytes:
    return build_email(msg, sender, sender_name=name, date=when).as_bytes(policy=REFERENCE)


def test_the_direct_bytes_equal_the_email_packages_on_random_messages() -> None:
    rng = random.Random(1717)
    compared = 0
    for i in range(4000):
        msg, sender, name = _message(rng, i)
        when = formatdate(rng.randint(0, 2**31), usegmt=True)
        got = wire_bytes(msg, sender, sender_name=name, date=when)
        if got is None:  # only a text that holds the boundary made from the key (not drawn here)
            pytest.fail(f"{msg.key}: no direct bytes")
        assert got == _reference(msg, sender, name, when), (msg, sender, name)
        compared += 1
    assert compared == 4000


def test_every_shape_is_covered_and_both_ways_fail_alike() -> None:
    when = formatdate(0, usegmt=True)

    def msg(body: str, *, html: str | None = None, subject: str | None = "Hi", to: str = "m1@example.com",
            kind: str = "marketing") -> OutgoingMessage:
        return OutgoingMessage(key="points:M1:2026", member_id="M1", campaign="points", channel="email", to=to,
                               body=body, subject=subject, html=html, planned_for=DAY,
                               kind=kind)  # type: ignore[arg-type]

    cases = [msg(""), msg("", html=""), msg("a\r\n.b\rc\n"), msg("中文", html="<p>中文</p>"), msg("x" * 901, html="y"),
             msg("a", html="b", subject=None, kind="service"), msg("\v\f\x1c\u2028", subject="\u2028x\x85y")]
    for case in cases:
        for name in NAMES:
            assert wire_bytes(case, "shop@example.com", sender_name=name, date=when) == \
                _reference(case, "shop@example.com", name, when), (case, name)
    for bad in (msg("\ud800"), msg("ok", html="\udfff"), msg("ok", subject="\ud800 lone")):
        with pytest.raises(UnicodeEncodeError):
            _reference(bad, "shop@example.com", None, when)
        with pytest.raises(UnicodeEncodeError):
            wire_bytes(bad, "shop@example.com", date=when)


def test_where_the_direct_way_does_not_apply_the_email_package_writes_the_message() -> None:
    utf8 = OutgoingMessage(key="birthday:M2:2026", member_id="M2", campaign="birthday", channel="email",
                           to="josé@example.com", subject="Feliz cumpleaños", body="¡Feliz cumpleaños!", planned_for=DAY)
    assert wire_bytes(utf8, "shop@example.com") is None
    parsed = message_from_bytes(message_bytes(utf8, "shop@example.com"), policy=default)
    assert isinstance(parsed, EmailMessage) and parsed["To"] == "josé@example.com"
    plain = OutgoingMessage(key="points:M1:2026", member_id="M1", campaign="points", channel="email",
                            to="m1@example.com", subject="x", body="hello", html="<p>x</p>", planned_for=DAY)
    mark = boundary(plain)
    assert mark is not None
    tricky = OutgoingMessage(key=plain.key, member_id="M1", campaign="points", channel="email", to="m1@example.com",
                             subject="x", body=f"--{mark}\nhello", html="<p>x</p>", planned_for=DAY)
    assert wire_bytes(tricky, "shop@example.com") is None
    got = message_from_bytes(message_bytes(tricky, "shop@example.com"), policy=default)
    assert isinstance(got, EmailMessage) and got["Message-ID"] == message_id(plain.key, "shop@example.com")
    assert mark not in str(got["Content-Type"])  # the generator's own random boundary


def test_message_bytes_take_the_direct_way_with_todays_date() -> None:
    plain = OutgoingMessage(key="points:M1:2026", member_id="M1", campaign="points", channel="email",
                            to="m1@example.com", subject="积分", body="hello", html="<p>x</p>", planned_for=DAY)
    data = message_bytes(plain, "shop@example.com", sender_name="旗舰店")
    when = message_from_bytes(data)["Date"]  # (compat32: the header as written)
    assert data == email_bytes(build_email(plain, "shop@example.com", sender_name="旗舰店", date=when))


def test_plain_addresses_are_quoted_as_smtplib_quotes_them() -> None:
    import smtplib
    import string

    from loyalsheet.messaging.channels.smtp_email import quoteaddr

    rng = random.Random(2920)
    alphabet = string.ascii_letters + string.digits + "._%+-@" * 4 + " <>\"'()[],;:\\!#$&*/=?^`{|}~é\t"
    values = ["", "@", "a@", "@b", "a@b", "a.@b", ".a@b", "a..b@c", "a@b.", "a@.b", "a@b..c", "a@@b", "-@-", "%@_",
              "<a@b>", " a@b", "a@b ", "A B <a@b>", "josé@example.com", "member1@example.com"]
    values += ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 24))) for _ in range(30_000)]
    values += [f"{rng.choice(['m', 'a.b', 'x_y', 'p%q', 'r+s', 't-u'])}@{rng.choice(['ex.com', 'a-b.c', 'x'])}"
               for _ in range(1000)]
    for value in values:
        assert quoteaddr(value) == smtplib.quoteaddr(value), value
