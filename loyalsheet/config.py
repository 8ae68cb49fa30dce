"""config.yaml: declared once as pydantic models, validated on load with the key and line of any error."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError

from .calls.settings import CallListSettings
from .campaigns.settings import CampaignSettings, MessagingSettings, QuietHours
from .config_errors import plain_config_error
from .effect.settings import ReportSettings
from .errors import ConfigError
from .rules.settings import RulesSettings
from .schedule.settings import ScheduleSettings
from .segments.settings import SegmentSettings


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Store(_Strict):
    name: str = Field(min_length=1, description="Store name as typed in the Store column")
    timezone: str = Field("Asia/Shanghai", description="IANA time zone, e.g. Asia/Shanghai")
    region: str = Field("CN", description="Default phone region (ISO country code) for numbers typed without +")
    currency: str = Field("CNY", description="ISO currency code")
    workbook: str | None = Field(
        None, description="This store's own member file, relative to config.yaml (a chain with one book per store); "
                          "blank: its rows are in the chain's book (`workbook`), marked by the Store column",
    )
    opening_hours: str | None = Field(None, description="Opening hours shown in messages and on the Call list, e.g. 10:00-21:00")
    phone: str | None = Field(None, description="The store's phone number, for messages (templates use {{ store_phone }})")
    quiet_hours: QuietHours | None = Field(None, description="This store's own quiet hours; blank: messaging.quiet_hours")
    best_times: tuple[str, ...] | None = Field(None, description="This store's best times to phone; blank: call_list.best_times")
    call_capacity: int | None = Field(None, ge=1, description="Calls this store's staff can make in a week; blank: call_list.capacity")

    @field_validator("timezone")
    @classmethod
    def _tz(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"'{v}' is not a time zone: use a name such as Asia/Shanghai") from None
        return v

    @field_validator("region")
    @classmethod
    def _region(cls, v: str) -> str:
        v = v.upper()
        if v not in phonenumbers.SUPPORTED_REGIONS:
            raise ValueError(f"'{v}' is not a phone region: use a country code such as CN, HK or US")
        return v


class AliyunTemplate(_Strict):
    code: str = Field(min_length=1, description="The approved template's code (模板CODE), e.g. SMS_123456789")
    variables: tuple[str, ...] = Field(
        (), description="The template's variables (${name} in Aliyun's text), each one a value loyalsheet fills: "
                        "name, points, tier, store, sender, ... or the campaign's own (e.g. expiring, expires)")


class SmsChannel(_Strict):
    provider: Literal["twilio", "aliyun"] = Field("twilio", description="twilio, or aliyun (阿里云短信)")
    from_number: str | None = Field(None, description="Twilio: the number or messaging service SID messages come from")
    account_sid_env: str = Field("TWILIO_ACCOUNT_SID", description="Twilio: environment variable holding the account SID")
    auth_token_env: str = Field("TWILIO_AUTH_TOKEN", description="Twilio: environment variable holding the auth token")
    api_base_url: str = Field(
        "https://api.twilio.com", description="Twilio's API address; change only for a proxy or a test server"
    )
    sign_name: str | None = Field(None, description="Aliyun: the approved signature (签名), without 【】")
    access_key_id_env: str = Field("ALIBABA_CLOUD_ACCESS_KEY_ID",
                                   description="Aliyun: environment variable holding the AccessKey ID")
    access_key_secret_env: str = Field("ALIBABA_CLOUD_ACCESS_KEY_SECRET",
                                       description="Aliyun: environment variable holding the AccessKey secret")
    endpoint: str = Field("dysmsapi.aliyuncs.com", description="Aliyun: the SMS API's address; change only for a test server")
    templates: dict[str, dict[Literal["zh", "en"], AliyunTemplate]] = Field(
        default_factory=dict,
        description="Aliyun: per campaign template (message_templates name) and language, the approved template "
                    "code and its variables",
    )

    @model_validator(mode="after")
    def _provider_settings(self) -> SmsChannel:
        if self.provider == "twilio" and not self.from_number:
            raise ValueError("from_number is needed with provider: twilio (the Twilio number messages come from)")
        if self.provider == "aliyun":
            if not self.sign_name:
                raise ValueError("sign_name is needed with provider: aliyun (the approved signature, 签名)")
            if not self.templates:
                raise ValueError("templates is needed with provider: aliyun (a template code per campaign and language)")
        return self


class EmailChannel(_Strict):
    host: str
    port: int = 587
    sender: str = Field(description="From address, e.g. shop@example.com")
    username_env: str | None = Field("SMTP_USERNAME", description="Environment variable holding the login")
    password_env: str | None = Field("SMTP_PASSWORD", description="Environment variable holding the password")
    starttls: bool = True
    ssl: bool = False


class Channels(_Strict):
    outbox: str = Field("outbox", description="Folder (relative to config.yaml) where messages go when no channel is set")
    sms: SmsChannel | None = None
    email: EmailChannel | None = None


class Config(RulesSettings):
    """Every setting of config.yaml. The program's rules (points, tiers, ...) come from RulesSettings."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    language: Literal["zh", "en"] = Field("zh", description="Language of the tool's own text")
    workbook: str = Field("members.xlsx", description="The member file, relative to config.yaml")
    header_style: Literal["zh-en", "en-zh", "zh", "en"] = Field(
        "zh-en", description="Headers written by init: Chinese over English, English over Chinese, or one language"
    )
    trade: str | None = Field(None, description="The shop's trade (beauty, dental, tcm, retail): Call list wording for it; blank: general")
    stores: tuple[Store, ...] = Field(default_factory=lambda: (Store(name="Main"),), min_length=1)
    channels: Channels = Field(default_factory=Channels)
    call_list: CallListSettings = Field(default_factory=CallListSettings, description="Who to phone this week")
    backups: int = Field(5, ge=0, le=100, description="Dated backups of the member file kept before each write")
    segments: SegmentSettings = Field(
        default_factory=SegmentSettings, description="Quadrants, RFM, lifecycle stages, gone quiet, whales"
    )
    campaigns: CampaignSettings = Field(default_factory=CampaignSettings, description="Which messages go, and when")
    messaging: MessagingSettings = Field(
        default_factory=MessagingSettings, description="Quiet hours, caps, approval, opt-out lines, festivals"
    )
    schedule: ScheduleSettings = Field(default_factory=ScheduleSettings, description="loyalsheet schedule: when jobs run")
    report: ReportSettings = Field(
        default_factory=ReportSettings, description="loyalsheet report: holdout comparisons, calls, events, health"
    )

    # Where the file was loaded from; not a setting.
    base_dir: Path = Field(default=Path("."), exclude=True)

    @model_validator(mode="after")
    def _unique_stores(self) -> Config:
        names = [s.name for s in self.stores]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"store names must be unique; repeated: {', '.join(dupes)}")
        return self

    @property
    def default_store(self) -> Store:
        return self.stores[0]

    @property
    def region(self) -> str:
        return self.default_store.region

    @property
    def workbook_path(self) -> Path:
        """The chain's book: every store's rows, but those of stores that keep a book of their own."""
        return (self.base_dir / self.workbook).resolve()

    def store_workbook_path(self, name: str) -> Path:
        """Where ``name``'s rows are kept: its own book, or the chain's."""
        own = self.store(name).workbook
        return (self.base_dir / own).resolve() if own else self.workbook_path

    @property
    def books(self) -> tuple[Path, ...]:
        """Every member file of the chain, the chain's book first, each once."""
        paths = [self.workbook_path, *(self.store_workbook_path(s.name) for s in self.stores)]
        return tuple(dict.fromkeys(paths))

    @property
    def own_books(self) -> dict[str, Path]:
        """Store -> its own member file, for the stores that keep one."""
        return {s.name: self.store_workbook_path(s.name) for s in self.stores if s.workbook}

    @property
    def regions(self) -> dict[str, str]:
        """Store -> the phone region of numbers typed without + in that store's rows."""
        return {s.name: s.region for s in self.stores}

    def store_of_book(self, path: Path) -> str | None:
        """The store whose own member file is ``path``; None for the chain's book."""
        return next((name for name, own in self.own_books.items() if own == path and own != self.workbook_path), None)

    @property
    def is_chain(self) -> bool:
        return len(self.stores) > 1

    def home_store(self, store: str | None) -> str:
        """The store a member belongs to: the Store column, or the first store when it is blank or unknown."""
        return store if store is not None and store in self.store_names else self.default_store.name

    def quiet_hours_of(self, store: str | None) -> QuietHours:
        return self.store(store).quiet_hours or self.messaging.quiet_hours

    def best_times_of(self, store: str | None) -> tuple[str, ...]:
        return self.store(store).best_times or self.call_list.best_times

    def call_capacity_of(self, store: str | None) -> int:
        return self.store(store).call_capacity or self.call_list.capacity

    def store(self, name: str | None) -> Store:
        for s in self.stores:
            if s.name == name:
                return s
        return self.default_store

    @property
    def store_names(self) -> frozenset[str]:
        return frozenset(s.name for s in self.stores)


def _line_of(doc: Any, loc: tuple[int | str, ...]) -> int | None:
    """The 1-based line in config.yaml of the key at ``loc``, or of its nearest parent."""
    line = None
    node = doc
    for part in loc:
        if isinstance(node, CommentedMap) and part in node:
            line = node.lc.key(part)[0] + 1
            node = node[part]
        elif isinstance(node, CommentedSeq) and isinstance(part, int) and part < len(node):
            line = node.lc.item(part)[0] + 1
            node = node[part]
        else:
            break
    return line


# The name of an environment variable, as the *_env settings want it: capitals, digits and "_", e.g.
# TWILIO_AUTH_TOKEN. A secret pasted in its place (a token, an SID, a password) is refused by this
# shape: Twilio's tokens and SIDs have lower-case letters, and a run of digits gives a key away.
_ENV_NAME = re.compile(r"[A-Z_][A-Z0-9_]{0,63}")
_MAX_ENV_DIGITS = 6


def looks_like_env_name(value: object) -> bool:
    """True when ``value`` is shaped like an environment variable's name (not a secret pasted instead)."""
    return (isinstance(value, str) and _ENV_NAME.fullmatch(value) is not None
            and sum(c.isdigit() for c in value) <= _MAX_ENV_DIGITS)


def _check_env_names(node: Any, filename: str, path: tuple[str, ...] = ()) -> None:
    """Refuse a ``*_env`` setting whose value is not a variable's name, with its line and key; the value
    itself is never repeated (it may be the secret)."""
    if isinstance(node, CommentedSeq):
        for i, item in enumerate(node):
            _check_env_names(item, filename, (*path, str(i)))
    if not isinstance(node, CommentedMap):
        return
    for key, value in node.items():
        where = (*path, str(key))
        if str(key).endswith("_env") and value is not None and not looks_like_env_name(value):
            raise ConfigError("config_env_name", file=filename, line=node.lc.key(key)[0] + 1, key=".".join(where))
        _check_env_names(value, filename, where)


def parse_config(text: str, base_dir: Path, filename: str = "config.yaml") -> Config:
    yaml = YAML(typ="rt")
    try:
        doc = yaml.load(io.StringIO(text))
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else "?"
        raise ConfigError("config_yaml", file=filename, line=line, detail=str(getattr(exc, "problem", exc))) from None
    if doc is None:
        doc = CommentedMap()
    if not isinstance(doc, dict):
        raise ConfigError("config_not_mapping", file=filename)
    _check_env_names(doc, filename)
    try:
        return Config.model_validate({**_plain(doc), "base_dir": base_dir})
    except ValidationError as exc:
        loc = tuple(p for p in exc.errors()[0]["loc"] if p not in ("function-after",))
        error = plain_config_error(exc, Config, _line_of(doc, loc), filename)
        if doc.get("language") in ("zh", "en"):  # said in the language the file asks for, though it is wrong
            error.params["config_language"] = doc["language"]
        raise error from None


def _plain(node: Any) -> Any:
    if isinstance(node, dict):
        return {str(k): _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    return node


def load_config(path: Path) -> Config:
    if path.is_dir():
        path = path / "config.yaml"
    if not path.exists():
        raise ConfigError("config_missing", file=str(path))
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError("config_unreadable", file=str(path), detail=str(exc)) from None
    return parse_config(text, path.parent.resolve(), str(path))


def _yaml_text(text: str) -> str:
    """``text`` as a YAML value: bare when plain (members.xlsx, 微笑口腔), else quoted as JSON (also YAML)."""
    words = ("yes", "no", "true", "false", "on", "off", "null", "y", "n")
    plain = (bool(text) and all(c.isalnum() or c in "._-" for c in text) and text[0] not in "-."
             and not text.replace(".", "").isdigit() and text.lower() not in words)
    return text if plain else json.dumps(text, ensure_ascii=False)


def starter_config_text(workbook_name: str, language: str = "zh", store: str | None = None, *,
                        stores: tuple[str, ...] = (), header_style: str = "zh-en") -> str:
    """A short config.yaml for a new member file; the README's config section documents every setting."""
    names = stores or (store or ("本店" if language == "zh" else "Main store"),)
    store_lines = "".join(
        f"""  - name: {_yaml_text(name)}   # as typed in the Store column
    timezone: Asia/Shanghai
    region: CN                  # phone numbers typed without + are read as numbers of this country
    currency: CNY
""" for name in names)
    return f"""# loyalsheet settings. Every setting is explained in config.yaml of the loyalsheet project (README).
language: {language}            # zh or en: the language of loyalsheet's own text
workbook: {_yaml_text(workbook_name)}   # the member file, relative to this file
header_style: {header_style}    # headers of new sheets: zh-en (会员编号 over Member ID), en-zh, zh or en
stores:
{store_lines}channels:
  outbox: outbox                # messages are written here until SMS or e-mail is set up
"""
