"""`loyalsheet today` with `channels.sms.provider: aliyun`: the same day, the same rules, sent through Aliyun."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from openpyxl import load_workbook

from loyalsheet.messaging.ledger import Ledger, State
from tests.helpers import Result
from tests.servers import SmtpSink, smtp_server
from tests.servers.aliyun_server import ACCESS_KEY_ID, ACCESS_KEY_SECRET, SIGN_NAME, FakeAliyun, aliyun_server
from tests.test_today_cli import LOG_SHEET, TODAY_SHEET, as_json, today, use_servers

CAMPAIGNS = ("birthday", "course-card", "event", "festival", "followup-3d", "followup-3m", "followup-3w",
             "giftcard-friend", "giftcard-lapsing", "membership-ending", "points-expiring", "statement", "voucher-expiring",
             "winback")
VARIABLES = {"points-expiring": ("name", "expiring_points", "expires"), "event": ("name", "event_title", "event_day")}


def aliyun_templates() -> dict[str, str]:
    """Template code -> the approved text at Aliyun, one per campaign and language."""
    out = {}
    for i, campaign in enumerate(CAMPAIGNS):
        variables = VARIABLES.get(campaign, ("name",))
        for lang, base in (("zh", 100), ("en", 200)):
            out[f"SMS_{base + i}"] = f"{campaign}({lang}): " + "/".join(f"${{{v}}}" for v in variables)
    return out


def use_aliyun(store: Path, ali: FakeAliyun, sink: SmtpSink, *, variables: dict[str, tuple[str, ...]] | None = None,
               approval: bool = False) -> dict[str, str]:
    """Point config.yaml's SMS at the local Aliyun server (e-mail at the SMTP server); the environment."""
    lines = ["channels:", "  outbox: outbox", "  sms:", "    provider: aliyun", f"    sign_name: {SIGN_NAME}",
             f"    endpoint: {ali.endpoint}", "    templates:"]
    for i, campaign in enumerate(CAMPAIGNS):
        names = (variables or VARIABLES).get(campaign, ("name",))
        lines.append(f"      {campaign}:")
        for lang, base in (("zh", 100), ("en", 200)):
            lines.append(f"        {lang}: {{code: SMS_{base + i}, variables: [{', '.join(names)}]}}")
    lines += ["  email:", "    host: 127.0.0.1", f"    port: {sink.port}", "    sender: shop@example.com",
              "    username_env: null", "    password_env: null", "    starttls: false", ""]
    config = store / "config.yaml"
    text = config.read_text(encoding="utf-8").replace("channels:\n  outbox: outbox\n", "\n".join(lines))
    if approval:
        text += "  approval: required\n"
    assert "provider: aliyun" in text
    config.write_text(text, encoding="utf-8")
    return {"ALIBABA_CLOUD_ACCESS_KEY_ID": ACCESS_KEY_ID, "ALIBABA_CLOUD_ACCESS_KEY_SECRET": ACCESS_KEY_SECRET}


@pytest.fixture
def ali() -> Iterator[FakeAliyun]:
    with aliyun_server(templates=aliyun_templates()) as fake:
        yield fake


@pytest.fixture
def sink() -> Iterator[SmtpSink]:
    with smtp_server() as server:
        yield server


def _plan(data: dict[str, object]) -> tuple[list[tuple[str, str, str]], list[tuple[str, str]]]:
    planned = [(p["key"], p["channel"], p["reason"]) for p in data["planned"]]  # type: ignore[attr-defined,index]
    held = [(h["key"], h["reason"]) for h in data["held"]]  # type: ignore[attr-defined,index]
    return planned, held


def test_switching_the_provider_changes_nothing_but_the_way_out(
        cli: Callable[..., Result], store: Path, ali: FakeAliyun, sink: SmtpSink, tmp_path: Path) -> None:
    twin = tmp_path / "twin"  # the same store with Twilio, for comparison
    twin.mkdir()
    for name in ("members.xlsx", "config.yaml"):
        (twin / name).write_bytes((store / name).read_bytes())
    from tests.servers import twilio_server

    with twilio_server() as tw:
        tw_env = use_servers(twin, tw, sink)
        by_twilio = [as_json(today(cli, twin, "--at", at, "--json", env=tw_env)) for at in ("10:00", "22:00")]
    env = use_aliyun(store, ali, sink)
    by_aliyun = [as_json(today(cli, store, "--at", at, "--json", env=env)) for at in ("10:00", "22:00")]
    for a, b in zip(by_twilio, by_aliyun, strict=True):
        assert _plan(a) == _plan(b)  # consent, quiet hours, caps, one a day: the same decisions
    assert {h[1] for h in _plan(by_aliyun[1])[1]} >= {"quiet_hours"}

    sent = today(cli, store, "--at", "10:00", "--send", "--json", env=env)
    assert sent.code == 0, sent.err
    result = as_json(sent)
    sms = [p for p in result["planned"] if p["channel"] == "sms"]  # type: ignore[union-attr]
    assert len(sms) > 10 and result["result"]["counts"] == {"sent": len(result["planned"])}  # type: ignore[arg-type,index]
    got = ali.messages
    assert sorted(m["out_id"] for m in got) == sorted(p["key"] for p in sms)
    assert all(m["sign"] == SIGN_NAME for m in got)
    expiring = [m for m in got if m["out_id"].startswith("points-expiring:")]
    assert expiring and all(set(m["params"]) == {"name", "expiring_points", "expires"} for m in expiring)
    assert all(m["params"]["name"] for m in got)
    # the ledger and the Message log, as with Twilio
    with Ledger(store / "members.ledger.sqlite") as ledger:
        rows = [e for e in ledger.history() if e.channel == "sms" and e.state is not State.HOLDOUT]  # (held out: not sent)
    assert {e.provider for e in rows} == {"aliyun"} and {e.state for e in rows} == {State.SENT}
    assert {e.provider_id for e in rows} == {m["biz_id"] for m in got}
    log = list(load_workbook(store / "members.xlsx", read_only=True)[LOG_SHEET].iter_rows(values_only=True))
    assert {r[8] for r in log[1:]} >= {m["biz_id"] for m in got}
    again = as_json(today(cli, store, "--at", "15:00", "--send", "--json", env=env))
    assert again["planned"] == [] and len(ali.messages) == len(got)


def test_approval_works_the_same_through_aliyun(cli: Callable[..., Result], store: Path, ali: FakeAliyun,
                                               sink: SmtpSink) -> None:
    env = use_aliyun(store, ali, sink, approval=True)
    assert today(cli, store, "--at", "10:00", env=env).code == 0
    book = load_workbook(store / "members.xlsx")
    ws = book[TODAY_SHEET]
    rows = [r for r in range(2, ws.max_row + 1) if ws.cell(r, 6).value in ("sms", "SMS", "短信")][:2]
    assert len(rows) == 2, [ws.cell(2, c).value for c in range(1, 11)]
    approved = sorted(str(ws.cell(r, 2).value) for r in rows)
    for r in rows:
        ws.cell(r, 10).value = "是"
    book.save(store / "members.xlsx")
    book.close()
    sent = as_json(today(cli, store, "--at", "11:00", "--send", "--json", env=env))
    assert sorted(o["key"] for o in sent["result"]["outcomes"] if o["outcome"] == "sent") == approved  # type: ignore[index]
    assert sorted(m["out_id"] for m in ali.messages) == approved


@pytest.mark.parametrize("case", ["no-secret", "wrong-variables", "wrong-sign", "unknown-template"])
def test_a_wrong_setting_is_one_line_before_anything_is_sent(
        cli: Callable[..., Result], store: Path, ali: FakeAliyun, sink: SmtpSink, case: str) -> None:
    env = use_aliyun(store, ali, sink, variables={**VARIABLES, "birthday": ("name", "gift")}
                     if case == "wrong-variables" else None)
    config = store / "config.yaml"
    if case == "no-secret":
        env.pop("ALIBABA_CLOUD_ACCESS_KEY_SECRET")
    elif case == "wrong-sign":
        config.write_text(config.read_text(encoding="utf-8").replace(SIGN_NAME, "花漾"), encoding="utf-8")
    elif case == "unknown-template":
        config.write_text(config.read_text(encoding="utf-8").replace("SMS_100,", "SMS_999,"), encoding="utf-8")
    out = today(cli, store, "--at", "10:00", "--send", env={**env, "ALIBABA_CLOUD_ACCESS_KEY_SECRET": ""}
                if case == "no-secret" else env)
    assert out.code == 2, out.out + out.err
    first = out.err.strip().splitlines()[0]
    expected = {"no-secret": "ALIBABA_CLOUD_ACCESS_KEY_SECRET", "wrong-variables": "channels.sms.templates.birthday",
                "wrong-sign": "channels.sms.sign_name", "unknown-template": "SMS_999"}[case]
    assert expected in first and "Traceback" not in out.err
    assert ali.messages == [] and sink.received == []
    with Ledger(store / "members.ledger.sqlite") as ledger:
        assert ledger.counts()[State.SENDING] == 0 and ledger.counts()[State.SENT] == 0


def test_a_template_variable_loyalsheet_does_not_know_holds_those_messages_with_the_setting_named(
        cli: Callable[..., Result], store: Path, ali: FakeAliyun, sink: SmtpSink) -> None:
    env = use_aliyun(store, ali, sink, variables={**VARIABLES, "birthday": ("name", "coupon")})
    data = json.loads(today(cli, store, "--at", "10:00", "--json", env=env).out)
    assert any(e["file"].endswith("config.yaml") and "channels.sms.templates.birthday.zh: variable 'coupon'"
               in e["detail"] for e in data["errors"])
    assert any(h["reason"] == "template_error" and h["campaign"] == "birthday" for h in data["held"])


def test_templates_check_finds_undeclared_variables_and_values_too_long(
        cli: Callable[..., Result], store: Path, ali: FakeAliyun, sink: SmtpSink) -> None:
    plain = (store / "config.yaml").read_text(encoding="utf-8")
    use_aliyun(store, ali, sink, variables={**VARIABLES, "winback": ("name", "coupon")})
    out = cli("templates", "check", "--config", str(store / "config.yaml"), "--json", "--lang", "en", cwd=store)
    assert out.code == 1, out.err
    errors = json.loads(out.out)["errors"]
    assert sorted(e["detail"].split(":")[0] for e in errors) == ["channels.sms.templates.winback.en",
                                                                 "channels.sms.templates.winback.zh"]
    assert all(e["file"].endswith("config.yaml") and "'coupon'" in e["detail"] for e in errors)
    (store / "config.yaml").write_text(plain, encoding="utf-8")
    use_aliyun(store, ali, sink)
    fine = cli("templates", "check", "--config", str(store / "config.yaml"), "--json", cwd=store)
    assert fine.code == 0, fine.out


def test_a_value_longer_than_aliyun_allows_is_named() -> None:
    from loyalsheet.config import AliyunTemplate
    from loyalsheet.messaging.compose import aliyun_params
    from loyalsheet.messaging.render import RenderError

    tpl = AliyunTemplate(code="SMS_1", variables=("name", "event_title"))
    got = aliyun_params("channels.sms.templates.event.zh", tpl, {"name": "王芳", "event_title": "春季新品发布会"}, "zh")
    assert got == {"name": "王芳", "event_title": "春季新品发布会"}
    with pytest.raises(RenderError, match=r"event_title.*36 characters long \(Aliyun allows 35\)"):
        aliyun_params("channels.sms.templates.event.zh", tpl, {"name": "王芳", "event_title": "新" * 36}, "zh")
