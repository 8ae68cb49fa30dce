"""Message templates: every campaign in both languages and both channels, rendered as the daily job does."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from email import message_from_bytes
from email.policy import default
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loyalsheet.campaigns import CAMPAIGN_NAMES, Candidate, Friend, Planned
from loyalsheet.campaigns.settings import MessagingSettings
from loyalsheet.config import Config
from loyalsheet.demo import write_demo
from loyalsheet.messaging.channels import build_email
from loyalsheet.messaging.channels.smtp_email import email_bytes
from loyalsheet.messaging.compose import compose_one
from loyalsheet.messaging.render import TEMPLATES_DIR, RenderError, Templates, sms_size
from loyalsheet.messaging.template_check import check_templates
from loyalsheet.model import Member
from loyalsheet.rules import Reason, evaluate
from loyalsheet.segments import segment
from loyalsheet.workbook.reader import read_member_file
from tests.helpers import Result

DAY = date(2026, 11, 22)
MEMBER = Member(row=2, member_id="M00042", name="王芳", joined=date(2024, 1, 1), phone="+8613800138000",
                email="wangfang@example.com", store="旗舰店")
EMILY = Member(row=3, member_id="M00043", name="Emily Chen", joined=date(2024, 1, 1), phone="+85261234567",
               email="emily@example.com", language="en")
CONFIG = Config.model_validate({"stores": [{"name": "旗舰店"}], "messaging": {
    "sender_names": {"旗舰店": "花漾美肌"}, "sender_names_en": {"旗舰店": "Bloom Beauty"},
    "list_unsubscribe_url": "https://shop.example/unsub?m={member_id}"}})


def birthday(member: Member, *, kind: str = "marketing", gift: bool = True) -> Candidate:
    data = {"birthday": DAY, "days_until": 0, "lunar": False, "age": 36, "gift": gift, "gift_budget": Decimal(60)}
    return Candidate(key=f"birthday:{member.member_id}:2026", campaign="birthday", member_id=member.member_id,
                     occasion="2026", kind=kind, reason=Reason("camp.why.birthday", {"day": DAY}),  # type: ignore[arg-type]
                     template="birthday", channels=("sms", "email"), data=data)


def render(c: Candidate, member: Member, channel: str, lang: str) -> object:
    to = member.phone if channel == "sms" else member.email
    assert to is not None
    return compose_one(Planned(c, channel, to, lang), member, None, CONFIG, Templates(), DAY)  # type: ignore[arg-type]


def test_every_campaign_has_both_channels_in_both_languages() -> None:
    templates = Templates()
    names = {CONFIG.campaigns.template_of(n) for n in CAMPAIGN_NAMES}
    missing = [f"{n}.{ch}.{lang}.j2" for n in sorted(names) for ch in ("sms", "email") for lang in ("zh", "en")
               if not templates.exists(f"{n}.{ch}.{lang}.j2")]
    assert missing == []


def test_birthday_sms_in_chinese_and_english_with_the_opt_out_line_added_once() -> None:
    zh = render(birthday(MEMBER), MEMBER, "sms", "zh")
    assert zh.message.body == ("【花漾美肌】亲爱的王芳，祝您生日快乐！我们为您准备了一份生日礼物，到店即可领取。"  # type: ignore[attr-defined]
                               "感谢一直以来的陪伴。回T退订")
    assert zh.segments == 1  # type: ignore[attr-defined]
    en = render(birthday(EMILY, gift=False), EMILY, "sms", "en")
    assert en.message.body == ("Bloom Beauty: Happy birthday, Emily Chen! Thank you for being with us. "  # type: ignore[attr-defined]
                               "Reply STOP to opt out")
    assert sms_size(en.message.body).encoding == "GSM-7"  # type: ignore[attr-defined]
    service = render(birthday(MEMBER, kind="service"), MEMBER, "sms", "zh")
    assert not service.message.body.endswith("回T退订")  # type: ignore[attr-defined]
    own_line = Config.model_validate({"messaging": {"opt_out_sms": {"zh": "拒收请回复R"}}})
    c = compose_one(Planned(birthday(MEMBER), "sms", "+8613800138000", "zh"), MEMBER, None, own_line, Templates(), DAY)
    assert c.message.body.endswith("。拒收请回复R") and c.message.body.count("拒收请回复R") == 1


def test_marketing_email_has_text_html_footer_and_list_unsubscribe() -> None:
    composed = render(birthday(EMILY), EMILY, "email", "en")
    msg = composed.message  # type: ignore[attr-defined]
    assert msg.subject == "Happy birthday, Emily Chen!"
    assert msg.body.startswith("Dear Emily Chen,\n\nHappy birthday!") and "set aside a birthday gift" in msg.body
    assert msg.body.endswith('Reply "unsubscribe" and we will stop.')
    assert msg.html is not None and "<p>" in msg.html and "unsubscribe" in msg.html
    assert msg.list_unsubscribe == "<https://shop.example/unsub?m=M00043>"
    parsed = message_from_bytes(email_bytes(build_email(msg, "shop@example.com")), policy=default)
    assert parsed["List-Unsubscribe"] and "https://shop.example/unsub?m=M00043" in parsed["List-Unsubscribe"]
    kinds = sorted(part.get_content_type() for part in parsed.walk() if not part.is_multipart())
    assert kinds == ["text/html", "text/plain"]
    mailto = Config.model_validate({"messaging": {"list_unsubscribe_mailto": "bye@shop.example"}})
    c = compose_one(Planned(birthday(EMILY), "email", "emily@example.com", "en"), EMILY, None, mailto, Templates(), DAY)
    assert c.message.list_unsubscribe == "<mailto:bye@shop.example?subject=unsubscribe%20M00043>"
    service = render(birthday(EMILY, kind="service"), EMILY, "email", "en").message  # type: ignore[attr-defined]
    assert service.list_unsubscribe is None and "unsubscribe" not in service.body
    zh = render(birthday(MEMBER), MEMBER, "email", "zh").message  # type: ignore[attr-defined]
    assert zh.subject == "王芳，生日快乐！" and zh.body.startswith("亲爱的王芳：")


def test_a_gift_card_friend_is_greeted_by_name_or_not_at_all() -> None:
    data = {"card_id": "GC1", "balance": Decimal("350.5"), "value": Decimal(600), "expires": date(2026, 12, 1),
            "days_left": 9, "friend_name": None, "giver_name": "王芳"}
    c = Candidate("giftcard-friend:M00042:GC1@2026-12-01", "giftcard-friend", "M00042", "GC1@2026-12-01", "service",
                  Reason("camp.why.gift_card", {}), "giftcard-friend", ("sms",), data, Friend(None, "+8613912345678"))
    body = compose_one(Planned(c, "sms", "+8613912345678", "zh"), MEMBER, None, CONFIG, Templates(), DAY).message.body
    assert body == "【花漾美肌】您好，王芳送您的亲友卡还剩¥350.50，2026年12月1日到期，欢迎在此之前到店使用。"


def test_sms_segments_gsm7_and_ucs2() -> None:
    assert sms_size("a" * 160).segments == 1 and sms_size("a" * 161).segments == 2
    assert sms_size("好" * 70).segments == 1 and sms_size("好" * 71).segments == 2
    assert sms_size("好" * 134).segments == 2 and sms_size("好" * 135).segments == 3


def test_filters_follow_the_member_language(tmp_path: Path) -> None:
    (tmp_path / "f.sms.zh.j2").write_text("{{ d|long_date }} {{ d|month_day }} {{ m|money }} {{ d|lunar_date }}")
    t = Templates(tmp_path)
    ctx = {"d": date(2026, 9, 25), "m": Decimal("1234.5"), "currency": "CNY"}
    assert t.render("f.sms.zh.j2", {**ctx, "lang": "zh"}).text == "2026年9月25日 9月25日 ¥1,234.50 农历八月十五"
    assert t.render("f.sms.zh.j2", {**ctx, "lang": "en"}).text == (
        "September 25, 2026 September 25 CN¥1,234.50 lunar month 8, day 15")


def test_render_errors_name_the_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "a.email.en.j2").write_text("{% block subject %}Hi{% endblock %}\n{% block text %}\nDear {{ name }},"
                                            "\n\n{{ no_such_value }}\n{% endblock %}\n")
    (tmp_path / "b.sms.zh.j2").write_text("你好\n{{ name }\n")
    t = Templates(tmp_path)
    with pytest.raises(RenderError) as e1:
        t.render("a.email.en.j2", {"name": "x"})
    assert (e1.value.path, e1.value.line) == (tmp_path / "a.email.en.j2", 5) and "no_such_value" in e1.value.detail
    with pytest.raises(RenderError) as e2:
        t.render("b.sms.zh.j2", {"name": "x"})
    assert (e2.value.path, e2.value.line) == (tmp_path / "b.sms.zh.j2", 2)


def test_the_sandbox_refuses_reaching_into_python(tmp_path: Path) -> None:
    (tmp_path / "x.sms.en.j2").write_text("{{ name.__class__.__mro__ }}")
    with pytest.raises(RenderError):
        Templates(tmp_path).render("x.sms.en.j2", {"name": "x"})


@pytest.fixture(scope="module")
def demo_book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("demo")
    write_demo(folder, members=80, today=DAY)
    return folder


def test_every_shipped_template_renders_for_demo_members_in_both_languages(demo_book: Path) -> None:
    mf = read_member_file(demo_book / "members.xlsx", region="CN")
    config = Config(messaging=MessagingSettings(sender_names_en={"旗舰店": "Bloom Beauty"}))
    ev, seg = evaluate(mf, config, DAY), segment(mf.members, mf.txns, config.segments, DAY,
                                                   include_gift_card=config.tiers.spend.include_gift_card)
    result = check_templates(Templates(), config, mf, ev, seg, DAY)
    assert result.errors == []
    assert result.templates == 56 and result.renders > 1000
    assert not [w for w in result.warnings if w.code in ("templates.unused", "templates.fallback")]


def test_templates_check_command(cli: Callable[..., Result], tmp_path: Path) -> None:
    ok = cli("templates", "check", "--members", "40", "--lang", "en", cwd=tmp_path)
    assert ok.code == 0, ok.err
    assert "Checked 56 templates" in ok.out and "All templates render." in ok.out
    broken = tmp_path / "mine"
    broken.mkdir()
    for f in TEMPLATES_DIR.glob("birthday.*.j2"):
        (broken / f.name).write_text(f.read_text(encoding="utf-8"), encoding="utf-8")
    (broken / "birthday.sms.en.j2").write_text("{{ sender }}: Happy birthday,\n{{ name|nosuchfilter }}!\n")
    (broken / "birthday.email.zh.j2").write_text("{% block subject %}生日快乐{% endblock %}\n{% block text %}\n"
                                                 "{{ name }}：\n{% if gift %}礼物{% endfor %}\n{% endblock %}\n")
    bad = cli("templates", "check", "--dir", str(broken), "--members", "40", "--lang", "en", cwd=tmp_path)
    assert bad.code == 1
    assert f"{broken / 'birthday.sms.en.j2'}:2:" in bad.err and "nosuchfilter" in bad.err
    assert f"{broken / 'birthday.email.zh.j2'}:4:" in bad.err
    assert "2 template problems" in bad.out or "template problems" in bad.out


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab 1€[]{}\n你好😀é")), max_size=400))
def test_sms_segments_agree_with_smsutil(text: str) -> None:
    import smsutil

    expected = smsutil.split(text)
    got = sms_size(text)
    assert got.segments == len(expected.parts)
    assert got.encoding == ("GSM-7" if expected.encoding == "gsm0338" else "UCS-2")
