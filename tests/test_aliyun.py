"""Aliyun SMS (阿里云短信) through the official client, against an Aliyun-speaking server on 127.0.0.1."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from loyalsheet.config import AliyunTemplate, Channels, Config, SmsChannel
from loyalsheet.errors import LoyalsheetError
from loyalsheet.i18n import t
from loyalsheet.messaging.channels import ChannelDown, channels_from_config
from loyalsheet.messaging.channels.aliyun_sms import AliyunSms, aliyun_number, template_variables
from loyalsheet.messaging.channels.base import PermanentError, RetryableError
from loyalsheet.messaging.ledger import Ledger, OutgoingMessage, State
from loyalsheet.messaging.sender import Outcome, RetryPolicy, send_all
from tests.servers.aliyun_server import (
    ACCESS_KEY_ID,
    ACCESS_KEY_SECRET,
    SIGN_NAME,
    FakeAliyun,
    Scripted,
    aliyun_server,
    business_limit,
    illegal_number,
    server_error,
    throttled,
)

DAY = date(2026, 11, 22)
TEMPLATES = {"SMS_100": "亲爱的${name}，生日快乐！回T退订", "SMS_200": "${name}, happy birthday!"}


def utcnow() -> datetime:
    return datetime.now(UTC)


def sms(n: int, *, to: str | None = None) -> OutgoingMessage:
    return OutgoingMessage(key=f"birthday:M{n:04d}:2026", member_id=f"M{n:04d}", campaign="birthday", channel="sms",
                           to=to or f"+86138001{n:05d}", body=f"亲爱的会员{n}，生日快乐！回T退订", planned_for=DAY,
                           kind="marketing", template_code="SMS_100", template_params=json.dumps({"name": f"会员{n}"}))


def settings(ali: FakeAliyun, **changes: object) -> SmsChannel:
    values: dict[str, object] = {
        "provider": "aliyun", "sign_name": SIGN_NAME, "endpoint": ali.endpoint,
        "templates": {"birthday": {"zh": {"code": "SMS_100", "variables": ["name"]},
                                   "en": {"code": "SMS_200", "variables": ["name"]}}},
    }
    values.update(changes)
    return SmsChannel.model_validate(values)


ENV = {"ALIBABA_CLOUD_ACCESS_KEY_ID": ACCESS_KEY_ID, "ALIBABA_CLOUD_ACCESS_KEY_SECRET": ACCESS_KEY_SECRET}


@pytest.fixture
def ali() -> Iterator[FakeAliyun]:
    with aliyun_server(templates=TEMPLATES) as fake:
        yield fake


@pytest.fixture
def channel(ali: FakeAliyun) -> Iterator[AliyunSms]:
    ch = AliyunSms.from_config(settings(ali), ENV, timeout=2.0)
    yield ch
    ch.close()


def test_numbers_and_template_variables_as_aliyun_spells_them() -> None:
    assert aliyun_number("+8613800138000") == "13800138000"
    assert aliyun_number("+85291234567") == "85291234567"
    assert template_variables("${name}您好，${points}积分将于${expires}到期，${name}") == ("name", "points", "expires")


def test_send_passes_signature_template_variables_and_the_key_as_out_id(ali: FakeAliyun, channel: AliyunSms) -> None:
    result = channel.send(sms(1))
    [got] = ali.messages
    assert got["biz_id"] == result.provider_id and got["out_id"] == "birthday:M0001:2026"
    assert got["phone"] == "13800100001" and got["sign"] == SIGN_NAME and got["template"] == "SMS_100"
    assert got["params"] == {"name": "会员1"} and got["text"] == "【花漾美肌】亲爱的会员1，生日快乐！回T退订"


@pytest.mark.parametrize(("answer", "kind", "maybe_sent"), [
    (illegal_number(), PermanentError, False),
    (Scripted("isv.BLACK_KEY_CONTROL_LIMIT", "黑名单管控"), PermanentError, False),
    (business_limit(), RetryableError, False),
    (throttled(), RetryableError, False),
    (server_error(), RetryableError, True),
    (Scripted("isv.SMS_SIGNATURE_ILLEGAL", "签名不合法"), ChannelDown, False),
    (Scripted("isv.AMOUNT_NOT_ENOUGH", "账户余额不足"), ChannelDown, False),
])
def test_aliyun_errors_become_the_errors_the_sender_understands(
        ali: FakeAliyun, channel: AliyunSms, answer: Scripted, kind: type[Exception], maybe_sent: bool) -> None:
    ali.script(answer)
    with pytest.raises(kind) as caught:
        channel.send(sms(1))
    assert caught.value.code == answer.code  # type: ignore[attr-defined]
    assert caught.value.maybe_sent is maybe_sent  # type: ignore[attr-defined]
    if answer.code == "isv.BUSINESS_LIMIT_CONTROL":
        assert caught.value.later and caught.value.per_message  # type: ignore[attr-defined]
    assert ali.messages == []


def test_a_wrong_access_key_stops_the_channel_and_an_unreachable_server_is_named(ali: FakeAliyun) -> None:
    wrong = AliyunSms.from_config(settings(ali), {**ENV, "ALIBABA_CLOUD_ACCESS_KEY_ID": "LTAI-nope"}, timeout=2.0)
    with pytest.raises(ChannelDown) as caught:
        wrong.send(sms(1))
    assert caught.value.kind == "auth" and caught.value.code == "InvalidAccessKeyId.NotFound"
    gone = AliyunSms(ACCESS_KEY_ID, ACCESS_KEY_SECRET, SIGN_NAME, endpoint="http://127.0.0.1:9", timeout=2.0)
    with pytest.raises(ChannelDown) as down:
        gone.send(sms(1))
    assert down.value.kind == "unreachable" and not down.value.maybe_sent


def test_a_missing_access_key_variable_is_one_line_naming_the_setting(ali: FakeAliyun, tmp_path: Path) -> None:
    config = Config(channels=Channels(sms=settings(ali)), base_dir=tmp_path)
    with pytest.raises(LoyalsheetError) as caught:
        channels_from_config(config, {"ALIBABA_CLOUD_ACCESS_KEY_ID": ACCESS_KEY_ID})
    assert caught.value.code == "send.env_missing"
    assert "channels.sms.access_key_secret_env" in t(caught.value.code, "en", **caught.value.params)
    assert isinstance(channels_from_config(config, ENV)["sms"], AliyunSms)


def test_config_needs_a_signature_and_templates_for_aliyun_and_a_number_for_twilio() -> None:
    with pytest.raises(ValueError, match="sign_name"):
        SmsChannel.model_validate({"provider": "aliyun", "templates": {"x": {"zh": {"code": "SMS_1"}}}})
    with pytest.raises(ValueError, match="templates"):
        SmsChannel.model_validate({"provider": "aliyun", "sign_name": "店"})
    with pytest.raises(ValueError, match="from_number"):
        SmsChannel.model_validate({"provider": "twilio"})
    assert AliyunTemplate(code="SMS_1").variables == ()


def test_verify_asks_aliyun_about_the_signature_and_every_template(ali: FakeAliyun, channel: AliyunSms) -> None:
    channel.verify(settings(ali))
    assert ali.requests == ["QuerySmsSign", "QuerySmsTemplate", "QuerySmsTemplate"]
    cases: list[tuple[SmsChannel, str, str]] = [
        (settings(ali, templates={"birthday": {"zh": {"code": "SMS_999", "variables": ["name"]}}}),
         "aliyun.template_unknown", "channels.sms.templates.birthday.zh"),
        (settings(ali, templates={"birthday": {"zh": {"code": "SMS_100", "variables": ["name", "points"]}}}),
         "aliyun.template_variables", "takes the variables name at Aliyun, config.yaml declares name, points"),
    ]
    for bad, code, words in cases:
        with pytest.raises(LoyalsheetError) as caught:
            channel.verify(bad)
        assert caught.value.code == code and words in t(code, "en", **caught.value.params)
    ali.templates["SMS_200"] = (TEMPLATES["SMS_200"], 0)
    with pytest.raises(LoyalsheetError) as waiting:
        channel.verify(settings(ali))
    assert waiting.value.code == "aliyun.template_not_approved"
    ali.signs[SIGN_NAME] = 2
    with pytest.raises(LoyalsheetError) as sign:
        channel.verify(settings(ali))
    assert sign.value.code == "aliyun.sign_rejected" and SIGN_NAME in t(sign.value.code, "zh", **sign.value.params)
    assert ali.messages == []


def test_find_sent_matches_the_out_id_on_the_attempts_day(ali: FakeAliyun, channel: AliyunSms,
                                                          tmp_path: Path) -> None:
    with Ledger(tmp_path / "l.sqlite") as ledger:
        msgs = [sms(1), sms(2)]
        ledger.plan(msgs, utcnow())
        for m in msgs:
            ledger.mark_sending(m.key, utcnow(), "aliyun")
        channel.send(msgs[0])
        first, second = ledger.entry(msgs[0].key), ledger.entry(msgs[1].key)
        assert first is not None and second is not None
        assert channel.find_sent(first) == "outid:birthday:M0001:2026"
        assert channel.find_sent(second) is None


def test_a_reply_lost_after_aliyun_took_the_message_is_found_not_resent(ali: FakeAliyun, channel: AliyunSms,
                                                                        tmp_path: Path) -> None:
    ali.script(Scripted(drop=True))
    with Ledger(tmp_path / "l.sqlite") as ledger:
        report = send_all([sms(1), sms(2)], ledger, {"sms": channel}, now=utcnow, sleep=lambda s: None,
                          retry=RetryPolicy(max_attempts=3))
        assert [o.outcome for o in report.outcomes] == [Outcome.SENT, Outcome.SENT]
        assert report.outcomes[0].provider_id == "outid:birthday:M0001:2026"
        assert [m["out_id"] for m in ali.messages] == ["birthday:M0001:2026", "birthday:M0002:2026"]


def test_a_killed_run_is_reconciled_with_query_send_details(ali: FakeAliyun, channel: AliyunSms,
                                                            tmp_path: Path) -> None:
    msgs = [sms(1), sms(2)]
    with Ledger(tmp_path / "l.sqlite", boot_id="boot-a") as ledger:
        ledger.plan(msgs, utcnow())
        for m in msgs:  # both in flight; only the first reached Aliyun before the "crash"
            ledger.mark_sending(m.key, utcnow(), "aliyun")
        channel.send(msgs[0])
    with Ledger(tmp_path / "l.sqlite", boot_id="boot-b") as ledger:
        report = send_all(msgs, ledger, {"sms": channel}, now=utcnow, sleep=lambda s: None)
        assert {o.key: o.outcome for o in report.reconciled} == {msgs[0].key: Outcome.RECONCILED,
                                                                  msgs[1].key: Outcome.REQUEUED}
        assert [o.outcome for o in report.outcomes] == [Outcome.ALREADY_SENT, Outcome.SENT]
    assert [m["out_id"] for m in ali.messages] == [msgs[0].key, msgs[1].key]


def test_the_per_number_limit_leaves_that_message_for_the_next_run_without_waiting(
        ali: FakeAliyun, channel: AliyunSms, tmp_path: Path) -> None:
    ali.script(business_limit(), illegal_number())
    slept: list[float] = []
    with Ledger(tmp_path / "l.sqlite") as ledger:
        report = send_all([sms(1), sms(2), sms(3)], ledger, {"sms": channel}, now=utcnow, sleep=slept.append)
        assert [o.outcome for o in report.outcomes] == [Outcome.RETRY_LATER, Outcome.FAILED, Outcome.SENT]
        assert slept == [] and report.stopped is None
        again = send_all([sms(1), sms(2), sms(3)], ledger, {"sms": channel}, now=utcnow, sleep=slept.append)
        assert [o.outcome for o in again.outcomes] == [Outcome.SENT, Outcome.ALREADY_FAILED, Outcome.ALREADY_SENT]
        entry = ledger.entry(sms(2).key)
        assert entry is not None and entry.state is State.FAILED and entry.error_code == "isv.MOBILE_NUMBER_ILLEGAL"
    assert [m["out_id"] for m in ali.messages] == [sms(3).key, sms(1).key]


def test_throttling_is_retried_then_sent(ali: FakeAliyun, channel: AliyunSms, tmp_path: Path) -> None:
    ali.script(throttled(), throttled())
    slept: list[float] = []
    with Ledger(tmp_path / "l.sqlite") as ledger:
        report = send_all([sms(1)], ledger, {"sms": channel}, now=utcnow, sleep=slept.append)
    assert report.outcomes[0].outcome is Outcome.SENT and report.outcomes[0].attempts == 3 and len(slept) == 2
    assert len(ali.messages) == 1
