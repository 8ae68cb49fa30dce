"""Turn the day's planned messages into rendered messages ready for the ledger and the channels.

For each :class:`~loyalsheet.campaigns.Planned` message: build the template context (the member's
name, tier, points, the store's signature and currency, and the campaign's own values), render
``<template>.<channel>.<lang>.j2``, and make an :class:`~loyalsheet.messaging.ledger.OutgoingMessage`:

- marketing SMS end with the store's opt-out line (``messaging.opt_out_sms``), added here, not by
  the template; the SMS's segments are counted and a warning is given past ``sms_segment_limit``;
- e-mail has a subject, a plain-text part and an HTML part; marketing e-mail ends with
  ``messaging.opt_out_email`` and carries a ``List-Unsubscribe`` header.

A template that is missing or fails to render holds that message (``template_missing`` /
``template_error``) with the file and line, and the others go on.
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import quote

from ..campaigns import Candidate, Held, MessagingSettings, Planned
from ..config import AliyunTemplate, Config
from ..facts import MemberFacts
from ..model import Member
from ..rules import MemberResult
from .ledger import OutgoingMessage
from .render import RenderError, Templates, long_date, number, sms_size


@dataclass(frozen=True, slots=True)
class Composed:
    """A rendered message and what a person sees of it before it goes."""

    planned: Planned
    message: OutgoingMessage
    segments: int | None  # SMS segments; None for e-mail
    preview: str  # the SMS text, or the e-mail's subject and text
    warning: str | None = None  # e.g. "3 SMS segments (limit 2)"

    @property
    def candidate(self) -> Candidate:
        return self.planned.candidate


@dataclass(frozen=True)
class Composition:
    messages: tuple[Composed, ...]
    held: tuple[Held, ...]  # messages whose template is missing or failed
    errors: tuple[RenderError, ...]


def _line(lines: Mapping[str, str], lang: str) -> str:
    return lines.get(lang) or lines.get("zh") or lines.get("en") or ""


def context(c: Candidate, member: Member | None, result: MemberResult | None, lang: str, config: Config,
            today: date) -> dict[str, Any]:
    """The values a template sees: the member's, the store's, then the campaign's (``c.data``)."""
    store = config.store(member.store if member is not None else None)
    sender = config.messaging.sender(store.name, lang)
    name = (c.friend.name or "") if c.friend is not None else (member.name if member is not None else "")
    f = MemberFacts(result, None) if result is not None else None  # the member's figures, as every view shows them
    ctx: dict[str, Any] = {
        "lang": lang, "campaign": c.campaign, "member_id": c.member_id, "name": name, "store": store.name,
        "sender": sender, "currency": store.currency, "store_phone": store.phone or "",
        "opening_hours": store.opening_hours or "", "tier": f.tier_name(lang) if f is not None else "",
        "today": today, "points": f.points if f is not None else 0,
    }
    for key, value in c.data.items():
        if key in ("rewards", "rewards_expiring"):
            value = [{"name": en if lang == "en" else zh, "points": pts} for zh, en, pts in value]
        elif key == "next_reward" and value is not None:
            zh, en, pts, missing = value
            value = {"name": en if lang == "en" else zh, "points": pts, "missing": missing}
        elif key == "festival":
            value = c.data.get("festival_en", value) if lang == "en" else value
        ctx[key] = value
    return ctx


ALIYUN_VALUE_MAX = 35  # characters in one variable's value (Aliyun's rule for variables of type "other")


def aliyun_template(config: Config, template: str, campaign: str, lang: str) -> tuple[str, AliyunTemplate] | None:
    """The Aliyun template for a message: ``channels.sms.templates.<template or campaign>.<lang>``."""
    sms = config.channels.sms
    if sms is None or sms.provider != "aliyun":
        return None
    for name in (template, campaign):
        found = sms.templates.get(name, {}).get(lang)  # type: ignore[call-overload]
        if found is not None:
            return f"channels.sms.templates.{name}.{lang}", found
    return f"channels.sms.templates.{template}.{lang}", AliyunTemplate.model_construct(code="", variables=())  # none


def aliyun_value(value: Any, lang: str) -> str:
    """One template variable as Aliyun gets it: dates and numbers in the member's language."""
    if isinstance(value, date):
        return long_date(value, lang)
    if isinstance(value, bool):
        return ("是" if value else "否") if lang == "zh" else ("yes" if value else "no")
    if isinstance(value, int | Decimal):
        return number(value, lang)
    return "" if value is None else str(value)


def params_json(values: Mapping[str, str]) -> str:
    """Aliyun's TemplateParam: the variables as JSON, in order, Chinese as it is."""
    return json.dumps(dict(values), ensure_ascii=False, separators=(",", ":"))


def aliyun_params(setting: str, tpl: AliyunTemplate, ctx: Mapping[str, Any], lang: str,
                  config_file: Path | None = None) -> dict[str, str]:
    """The declared variables' values from the template context; :class:`RenderError` naming the setting
    when the code is missing, a variable is not a value loyalsheet knows, or a value is too long."""
    if not tpl.code:
        raise RenderError(setting, None, f"{setting}: no Aliyun template code for this campaign and language: add it under "
                                         "channels.sms.templates in config.yaml", config_file)
    values: dict[str, str] = {}
    for var in tpl.variables:
        if var not in ctx or isinstance(ctx[var], list | tuple | dict):
            known = ", ".join(sorted(k for k, v in ctx.items() if not isinstance(v, list | tuple | dict)))
            raise RenderError(setting, None, f"{setting}: variable {var!r} ({tpl.code}) is not a value of this message; "
                                             f"use one of: {known}", config_file)
        text = aliyun_value(ctx[var], lang)
        if len(text) > ALIYUN_VALUE_MAX:
            raise RenderError(setting, None, f"{setting}: variable {var!r} ({tpl.code}) is {len(text)} characters "
                                             f"long (Aliyun allows {ALIYUN_VALUE_MAX}): {text[:40]}", config_file)
        values[var] = text
    return values


def list_unsubscribe(messaging: MessagingSettings, sender: str | None, member_id: str) -> str | None:
    """The List-Unsubscribe header value: ``<mailto:...>`` and, when set, ``<https://...>``."""
    parts = []
    mailto = messaging.list_unsubscribe_mailto or sender
    if mailto:
        parts.append(f"<mailto:{mailto}?subject={quote('unsubscribe ' + member_id)}>")
    if messaging.list_unsubscribe_url:
        parts.append(f"<{messaging.list_unsubscribe_url.replace('{member_id}', quote(member_id))}>")
    return ", ".join(parts) or None


def _add_html_footer(page: str, footer: str) -> str:
    para = f'<p style="color:#888;font-size:12px">{html.escape(footer)}</p>'
    at = page.lower().rfind("</body>")
    return page[:at] + para + page[at:] if at >= 0 else page + para


def compose_one(p: Planned, member: Member | None, result: MemberResult | None, config: Config,
                templates: Templates, today: date) -> Composed:
    """Render one planned message; raises :class:`RenderError` (or LookupError when no template exists)."""
    c, messaging = p.candidate, config.messaging
    name = templates.name_for(c.template, p.channel, p.lang)
    if name is None and c.campaign == "event" and c.template != config.campaigns.events.template:
        name = templates.name_for(config.campaigns.events.template, p.channel, p.lang)
    if name is None:
        raise LookupError(f"{c.template}.{p.channel}.{p.lang}.j2")
    ctx = context(c, member, result, p.lang, config, today)
    rendered = templates.render(name, ctx)
    if p.channel == "sms":
        code = params = None
        aliyun = aliyun_template(config, c.template, c.campaign, p.lang)
        if aliyun is not None:
            setting, tpl = aliyun
            params = params_json(aliyun_params(setting, tpl, ctx, p.lang, config.base_dir / "config.yaml"))
            code = tpl.code
        text = rendered.text
        if c.kind == "marketing":
            line = _line(messaging.opt_out_sms, p.lang)
            if line and not text.endswith(line):
                text = f"{text}{'' if p.lang == 'zh' else ' '}{line}"
        size = sms_size(text)
        warning = None
        if size.segments > messaging.sms_segment_limit:
            warning = f"{size.segments} SMS segments (limit {messaging.sms_segment_limit})"
        msg = OutgoingMessage(key=c.key, member_id=c.member_id, campaign=c.campaign, channel="sms", to=p.to,
                              body=text, planned_for=today, kind=c.kind, template_code=code, template_params=params,
                              version=c.version or None)
        return Composed(p, msg, size.segments, text, warning)
    text, page = rendered.text, rendered.html
    unsubscribe = None
    if c.kind == "marketing":
        footer = _line(messaging.opt_out_email, p.lang)
        if footer:
            text = f"{text}\n\n{footer}"
            page = _add_html_footer(page, footer) if page else page
        sender = config.channels.email.sender if config.channels.email is not None else None
        unsubscribe = list_unsubscribe(messaging, sender, c.member_id)
    subject = rendered.subject or ""
    msg = OutgoingMessage(key=c.key, member_id=c.member_id, campaign=c.campaign, channel="email", to=p.to,
                          body=text, planned_for=today, kind=c.kind, subject=subject, html=page,
                          list_unsubscribe=unsubscribe, version=c.version or None)
    return Composed(p, msg, None, f"{subject} | {' '.join(text.split())}")


def compose(planned: tuple[Planned, ...], members: Mapping[str, Member], results: Mapping[str, MemberResult],
            config: Config, templates: Templates, today: date) -> Composition:
    """Render every planned message; a template problem holds that message and is reported once."""
    out: list[Composed] = []
    held: list[Held] = []
    errors: dict[tuple[str, int | None, str], RenderError] = {}
    for p in planned:
        c = p.candidate
        try:
            out.append(compose_one(p, members.get(c.member_id), results.get(c.member_id), config, templates, today))
        except RenderError as exc:
            errors.setdefault((exc.template, exc.line, exc.detail), exc)
            held.append(Held(c, "template_error", p.channel, p.to, lang=p.lang))
        except LookupError as exc:
            missing = RenderError(str(exc.args[0]), None, "no such template", templates.directory / str(exc.args[0]))
            errors.setdefault((missing.template, None, missing.detail), missing)
            held.append(Held(c, "template_missing", p.channel, p.to, lang=p.lang))
    return Composition(tuple(out), tuple(held), tuple(errors.values()))
