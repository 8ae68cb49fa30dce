"""`loyalsheet today` and `loyalsheet log` as a person runs them, on a demo store, with real servers."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook

from loyalsheet.messaging.daily import history_from_ledger
from loyalsheet.messaging.ledger import Ledger, State
from tests.helpers import Result
from tests.servers import FakeTwilio, SmtpSink, invalid_number, smtp_server, twilio_server, unsubscribed

DAY = date(2026, 11, 20)
TODAY_SHEET = "今日消息 Today's messages"
LOG_SHEET = "发送记录 Message log"


def today(cli: Callable[..., Result], store: Path, *args: str, env: dict[str, str] | None = None) -> Result:
    return cli("today", "--config", str(store / "config.yaml"), "--date", DAY.isoformat(), "--lang", "en", *args,
               cwd=store, env=env)


def as_json(result: Result) -> dict[str, object]:
    data = json.loads(result.out)
    assert isinstance(data, dict)
    return data


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_dry_run_lists_what_would_go_and_why_others_are_held_and_changes_nothing(
        cli: Callable[..., Result], store: Path) -> None:
    before = sha(store / "members.xlsx")
    shown = today(cli, store, "--at", "10:00", "--max", "5")
    assert shown.code == 0, shown.err
    assert "Messages to send on 2026-11-20" in shown.out and "Held back" in shown.out
    assert "Dry run: nothing was sent" in shown.out and "no consent" in shown.out
    data = as_json(today(cli, store, "--at", "10:00", "--json"))
    planned, held = data["planned"], data["held"]
    assert isinstance(planned, list) and isinstance(held, list) and len(planned) > 20 and len(held) > 20
    first = planned[0]
    assert set(first) >= {"key", "member_id", "campaign", "channel", "segments", "reason", "preview"}
    assert {h["reason"] for h in held} >= {"no_consent", "daily_limit"}
    assert {p["campaign"] for p in planned} >= {"birthday", "points-expiring", "event"}
    assert sha(store / "members.xlsx") == before
    assert not (store / "members.ledger.sqlite").exists() and not (store / "outbox").exists()
    # At 22:00 in the store no SMS goes: each is held for quiet hours (those held out by day too: quiet
    # hours come first, and the holdout is drawn when the message could go); e-mail still goes.
    night = as_json(today(cli, store, "--at", "22:00", "--json"))
    assert {p["channel"] for p in night["planned"]} == {"email"}  # type: ignore[union-attr]
    quiet = [h for h in night["held"] if h["reason"] == "quiet_hours"]  # type: ignore[union-attr]
    held_out = [h for h in held if h["reason"] == "holdout" and h["channel"] == "sms"]
    assert held_out and all(h["kind"] == "marketing" for h in held if h["reason"] == "holdout")
    assert len(quiet) == sum(1 for p in planned if p["channel"] == "sms") + len(held_out)
    only = as_json(today(cli, store, "--at", "10:00", "--json", "--campaign", "birthday"))
    assert {p["campaign"] for p in only["planned"]} == {"birthday"}  # type: ignore[union-attr]
    bad = today(cli, store, "--campaign", "nope")
    assert bad.code == 2 and "not a campaign" in bad.err


def test_send_into_the_outbox_once_then_the_message_log(cli: Callable[..., Result], store: Path) -> None:
    first = as_json(today(cli, store, "--at", "10:00", "--send", "--json", "--limit", "5"))
    n = len(first["planned"])  # type: ignore[arg-type]
    h = sum(1 for x in first["held"] if x["reason"] == "holdout")  # type: ignore[union-attr]
    assert h > 0  # the demo's marketing messages hold 10% out: recorded in the ledger, never sent
    assert first["result"]["counts"] == {"sent": 5, "held": n - 5}  # type: ignore[index]
    sent = today(cli, store, "--at", "10:00", "--send")
    assert sent.code == 0, sent.err
    assert f"{n - 5} sent, 0 failed, 0 skipped, 0 not sent yet, 0 to check by hand" in sent.out
    assert 'Message log written to "发送记录 Message log" of members.xlsx.' in sent.out
    assert len(list((store / "outbox").iterdir())) == n
    again = as_json(today(cli, store, "--at", "15:00", "--send", "--json"))
    assert again["planned"] == [] and again["result"]["counts"] == {}  # type: ignore[index]
    reasons = {h["reason"] for h in again["held"]}  # type: ignore[union-attr]
    assert {"already_sent", "holdout"} <= reasons and len(list((store / "outbox").iterdir())) == n

    book = load_workbook(store / "members.xlsx", read_only=True)
    assert LOG_SHEET in book.sheetnames and "会员 Members" in book.sheetnames
    rows = list(book[LOG_SHEET].iter_rows(values_only=True))
    assert rows[0][1] == "消息编号\nKey" and rows[0][6] == "状态\nState"
    assert len(rows) == n + h + 1 and {r[6] for r in rows[1:]} == {"sent", "holdout"}
    assert sum(1 for r in rows[1:] if r[6] == "holdout" and r[8] is None) == h
    sent_rows = [r for r in rows[1:] if r[6] == "sent"]
    assert all(str(r[8]).startswith("outbox:") and ("****" in str(r[5]) or "***@" in str(r[5])) for r in sent_rows)
    book.close()

    log = cli("log", "--config", str(store / "config.yaml"), "--json", cwd=store)
    assert log.code == 0 and as_json(log)["count"] == n + h
    table = cli("log", "--config", str(store / "config.yaml"), "--lang", "en", "--max", "3", cwd=store)
    assert "Message log" in table.out and "sent" in table.out
    future = cli("log", "--config", str(store / "config.yaml"), "--since", "2030-01-01", "--lang", "en", cwd=store)
    assert future.code == 0 and "No messages" in future.out


def test_approval_required_sends_only_the_approved_rows(cli: Callable[..., Result], store: Path) -> None:
    config = store / "config.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "  approval: required\n", encoding="utf-8")
    dry = today(cli, store, "--at", "10:00")
    assert dry.code == 0, dry.err
    assert "Approve = yes" in dry.out
    book = load_workbook(store / "members.xlsx")
    ws = book[TODAY_SHEET]
    header = [c.value for c in ws[1]]
    assert header[1] == "消息编号\nKey" and header[-1] == "批准\nApprove"
    assert ws.max_row > 20 and {ws.cell(r, 10).value for r in range(2, ws.max_row + 1)} == {"no"}  # --lang en
    approved = [ws.cell(r, 2).value for r in (2, 5, 9)]
    for r in (2, 5, 9):
        ws.cell(r, 10).value = "是" if r != 9 else "yes"
    book.save(store / "members.xlsx")
    book.close()
    # A second dry run keeps what the manager approved.
    assert today(cli, store, "--at", "11:00").code == 0
    ws = load_workbook(store / "members.xlsx", read_only=True)[TODAY_SHEET]
    kept = [r[1] for r in ws.iter_rows(min_row=2, values_only=True) if r[9] in ("是", "yes")]
    assert sorted(kept) == sorted(approved)

    sent = as_json(today(cli, store, "--at", "11:00", "--send", "--json"))
    assert sorted(o["key"] for o in sent["result"]["outcomes"] if o["outcome"] == "sent") == sorted(  # type: ignore[index]
        approved)
    assert sum(1 for h in sent["held"] if h["reason"] == "not_approved") > 15  # type: ignore[union-attr]
    assert len(list((store / "outbox").iterdir())) == 3
    log = list(load_workbook(store / "members.xlsx", read_only=True)[LOG_SHEET].iter_rows(values_only=True))
    assert sorted(r[1] for r in log[1:] if r[6] != "holdout") == sorted(approved)  # (holdouts: recorded, not sent)


@pytest.fixture
def servers() -> Iterator[tuple[FakeTwilio, SmtpSink]]:
    with twilio_server() as tw, smtp_server() as sink:
        yield tw, sink


def use_servers(store: Path, tw: FakeTwilio, sink: SmtpSink) -> dict[str, str]:
    """Point the store's config.yaml at the local Twilio and SMTP servers; the environment to run with."""
    config = store / "config.yaml"
    text = config.read_text(encoding="utf-8").replace("channels:\n  outbox: outbox\n", (
        "channels:\n  outbox: outbox\n"
        f"  sms:\n    from_number: \"+15005550006\"\n    api_base_url: {tw.base_url}\n"
        f"  email:\n    host: 127.0.0.1\n    port: {sink.port}\n    sender: shop@example.com\n"
        "    username_env: null\n    password_env: null\n    starttls: false\n"))
    assert "api_base_url" in text
    config.write_text(text, encoding="utf-8")
    return {"TWILIO_ACCOUNT_SID": tw.account_sid, "TWILIO_AUTH_TOKEN": tw.auth_token}


def test_twilio_and_smtp_for_real_with_stop_and_an_invalid_number(
        cli: Callable[..., Result], store: Path, servers: tuple[FakeTwilio, SmtpSink]) -> None:
    tw, sink = servers
    env = use_servers(store, tw, sink)
    tw.script(unsubscribed(), invalid_number())
    sent = today(cli, store, "--at", "10:00", "--send", "--json", env=env)
    assert sent.code == 1, sent.err  # two SMS failed: needs attention
    result = as_json(sent)
    counts = result["result"]["counts"]  # type: ignore[index]
    planned = result["planned"]
    assert counts["opted_out"] == 1 and counts["failed"] == 1  # type: ignore[index]
    assert counts["sent"] == len(planned) - 2  # type: ignore[arg-type,index]
    sms = [p for p in planned if p["channel"] == "sms"]  # type: ignore[union-attr]
    mails = [p for p in planned if p["channel"] == "email"]  # type: ignore[union-attr]
    assert len(tw.messages) == len(sms) - 2 and len(sink.received) == len(mails)
    marketing = [m for m in sink.messages if "List-Unsubscribe" in m]
    assert len(marketing) == sum(1 for p in mails if p["kind"] == "marketing")
    assert len({m["Message-ID"] for m in sink.messages}) == len(mails)
    with Ledger(store / "members.ledger.sqlite") as ledger:
        stop = [e for e in ledger.history() if e.error_code == "21610"]
        assert len(stop) == 1 and stop[0].state is State.FAILED and stop[0].permanent
        history = history_from_ledger(ledger, [], DAY)
    assert ("sms", stop[0].to) in history.opted_out  # honoured on every later run
    again = today(cli, store, "--at", "12:00", "--send", "--json", env=env)
    assert as_json(again)["result"]["counts"] == {} and len(tw.messages) == len(sms) - 2  # type: ignore[index]


def test_a_person_settles_a_message_left_unknown(cli: Callable[..., Result], store: Path) -> None:
    from datetime import UTC, datetime

    from loyalsheet.messaging.ledger import OutgoingMessage, ledger_path_for

    ledger = Ledger(ledger_path_for(store / "members.xlsx"))
    at = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
    keys = ["birthday:M00001:2026", "birthday:M00002:2026"]
    ledger.plan([OutgoingMessage(k, k.split(":")[1], "birthday", "email", "a@example.com", "Happy birthday", DAY)
                 for k in keys], at)
    for k in keys:
        ledger.mark_sending(k, at, "smtp")
        ledger.mark_unknown(k, at, code="smtp_cut", text="connection dropped after DATA")
    ledger.close()
    config = ["--config", str(store / "config.yaml"), "--lang", "en"]
    assert cli("log", "--resolve", keys[0], "sent", *config, cwd=store).code == 0
    assert cli("log", "--resolve", keys[1], "not-sent", *config, cwd=store).code == 0
    again = cli("log", "--resolve", keys[0], "sent", *config, cwd=store)
    assert again.code == 2 and "not unknown" in again.err
    bad = cli("log", "--resolve", keys[0], "maybe", *config, cwd=store)
    assert bad.code == 2 and "sent or not-sent" in bad.err
    ledger = Ledger(ledger_path_for(store / "members.xlsx"))
    try:
        first, second = ledger.entry(keys[0]), ledger.entry(keys[1])
        assert first is not None and first.state is State.SENT
        assert second is not None and second.state is State.PLANNED
    finally:
        ledger.close()
