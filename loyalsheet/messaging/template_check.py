"""`loyalsheet templates check` as a library: render every message template against demo members.

Every ``<template>.<sms|email>.<zh|en>.j2`` is rendered, in its own language, for every sample
candidate of the campaigns that use it (``campaigns.candidates(..., sample=True)``: every demo member
with the data the campaign needs, whatever the day), exactly as the daily job would render it (the
opt-out line, segment counting, the e-mail parts). A template no campaign names is taken as an event
template (an Events row may name any template). Reported:

- errors: a template that does not compile or fails to render (file and line), a campaign with no
  template at all for a channel it uses;
- warnings: SMS past ``messaging.sms_segment_limit`` segments, a language falling back to the other
  one, a template with no demo member to try it on.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from ..campaigns import CAMPAIGN_NAMES, Candidate, Planned, candidates
from ..config import Config
from ..model import Member, MemberFile
from ..rules import Evaluation
from ..segments import SegmentResult
from .compose import compose_one
from .render import RenderError, Templates

_NAME = re.compile(r"^(?P<template>[A-Za-z0-9_-]+)\.(?P<channel>sms|email)\.(?P<lang>zh|en)\.j2$")


@dataclass(frozen=True)
class Finding:
    level: str  # "error" | "warning"
    code: str  # catalog key: templates.error, templates.missing, ...
    params: Mapping[str, object]


@dataclass
class CheckResult:
    templates: int = 0
    renders: int = 0
    members: int = 0
    findings: list[Finding] = field(default_factory=list)
    texts: dict[str, list[str]] = field(default_factory=dict)  # file -> what each render showed (keep_texts)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.level == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.level == "warning"]


def _recipient(c: Candidate, m: Member | None, channel: str) -> str:
    if channel == "sms":
        return (c.friend.phone if c.friend else None) or (m.phone if m and m.phone else None) or "+8613800000000"
    return (m.email if m and m.email else None) or "member@example.com"


def check_templates(templates: Templates, config: Config, mf: MemberFile, ev: Evaluation, seg: SegmentResult,
                    today: date, *, keep_texts: bool = False) -> CheckResult:
    """Render every template of ``templates`` against sample candidates from ``mf`` (a demo book);
    ``keep_texts`` keeps what each render shows (the SMS, or the e-mail's subject and text)."""
    result = CheckResult(members=len(mf.members))
    members: dict[str, Member] = {}
    for m in mf.members:
        members.setdefault(m.member_id, m)
    samples = candidates(mf, ev, seg, config.campaigns, config.messaging, today, sample=True)
    by_campaign: dict[str, list[Candidate]] = {}
    for c in samples:
        by_campaign.setdefault(c.campaign, []).append(c)
    used_by: dict[str, list[str]] = {}
    for name in CAMPAIGN_NAMES:
        used_by.setdefault(config.campaigns.template_of(name), []).append(name)
    limit = config.messaging.sms_segment_limit
    seen_errors: set[tuple[str, int | None, str]] = set()
    for file_name in templates.names():
        parsed = _NAME.match(file_name)
        path = templates.path_of(file_name)
        if parsed is None:
            result.findings.append(Finding("warning", "templates.error", {
                "file": str(path), "line": "-", "detail": "not named <template>.<sms|email>.<zh|en>.j2: never used"}))
            continue
        result.templates += 1
        tpl, channel, lang = parsed.group("template"), parsed.group("channel"), parsed.group("lang")
        campaigns = used_by.get(tpl, ["event"])
        cands = [c._replace(template=tpl) for name in campaigns for c in by_campaign.get(name, [])]
        if not cands:
            result.findings.append(Finding("warning", "templates.unused", {"file": str(path)}))
            try:  # still compile it, so a syntax error is found
                templates.compile(file_name)
            except RenderError as exc:
                result.findings.append(_error(exc, path))
            continue
        worst: tuple[int, str] = (0, "")
        # SMS length is judged on members who read this language (English names in English SMS), if any.
        any_own = any((members[c.member_id].language or config.messaging.default_language) == lang
                      for c in cands if c.member_id in members)
        for c in cands:
            member = members.get(c.member_id)
            planned = Planned(c, channel, _recipient(c, member, channel), lang)  # type: ignore[arg-type]
            try:
                composed = compose_one(planned, member, ev.members.get(c.member_id), config, templates, today)
            except RenderError as exc:
                key = (str(exc.path or exc.template), exc.line, exc.detail)
                if key not in seen_errors:
                    seen_errors.add(key)
                    result.findings.append(_error(exc, path))
                continue
            result.renders += 1
            if keep_texts:
                result.texts.setdefault(file_name, []).append(composed.preview)
            own = member is not None and (member.language or config.messaging.default_language) == lang
            if composed.segments is not None and (own or not any_own) and composed.segments > worst[0]:
                worst = (composed.segments, c.member_id)
        if worst[0] > limit:
            result.findings.append(Finding("warning", "templates.long_sms", {
                "file": str(path), "segments": worst[0], "limit": limit, "member": worst[1]}))
    _missing(templates, config, result)
    return result


def _error(exc: RenderError, path: Path) -> Finding:
    return Finding("error", "templates.error", {"file": str(exc.path or path), "line": exc.line or "?",
                                                "detail": exc.detail})


def _missing(templates: Templates, config: Config, result: CheckResult) -> None:
    for name in CAMPAIGN_NAMES:
        settings = config.campaigns.by_name(name)
        tpl = config.campaigns.template_of(name)
        channels = ("sms",) if name == "giftcard-friend" else settings.channels
        for channel in ("sms", "email"):
            for lang in ("zh", "en"):
                wanted = f"{tpl}.{channel}.{lang}.j2"
                if templates.exists(wanted):
                    continue
                used = templates.name_for(tpl, channel, lang)
                if used is not None:
                    result.findings.append(Finding("warning", "templates.fallback",
                                                   {"name": wanted, "lang": lang, "used": used}))
                elif lang == "zh":  # reported once per campaign and channel
                    level = "error" if settings.enabled and channel in channels else "warning"
                    result.findings.append(Finding(level, "templates.missing",
                                                   {"campaign": name, "channel": channel, "name": wanted}))
