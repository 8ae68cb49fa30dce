"""SMS through Aliyun (阿里云短信), with the official ``alibabacloud-dysmsapi20170525`` client.

Aliyun sends only approved text: a signature (签名) and a template (模板CODE) whose variables are
passed as JSON. :func:`~loyalsheet.messaging.compose.compose_one` fills ``template_code`` and
``template_params`` of each SMS from ``channels.sms.templates``; this channel passes them on, with
``OutId`` = the message key.

``SendSms`` has no idempotency key either. After a crash the sender asks :meth:`AliyunSms.find_sent`,
which lists ``QuerySendDetails`` for the number on the attempt's days (China time) and matches the
``OutId``: a message goes exactly once, as with Twilio.

:meth:`AliyunSms.verify` asks Aliyun, before anything is sent, whether the signature and each template
are approved and whether a template's variables are the declared ones: a wrong setting stops the run
with one line naming it, never half-way through the day.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Collection, Iterable, Mapping
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from alibabacloud_dysmsapi20170525 import models as sms_models
from alibabacloud_dysmsapi20170525.client import Client
from alibabacloud_tea_openapi import utils_models
from alibabacloud_tea_openapi.exceptions import AlibabaCloudException
from darabonba.exceptions import UnretryableException
from darabonba.runtime import RuntimeOptions

from ...config import SmsChannel
from ...errors import LoyalsheetError
from ..ledger import Entry, OutgoingMessage, Reply
from .base import ChannelDown, DownKind, PermanentError, RetryableError, SendResult
from .twilio_sms import RECONCILE_SLACK, _connect_failed, _env, network_error

ALIYUN_API = "dysmsapi.aliyuncs.com"
CHINA = ZoneInfo("Asia/Shanghai")  # QuerySendDetails' SendDate is a day in China time

# Codes (https://help.aliyun.com/zh/sms/developer-reference/api-error-codes) that say a setting or the
# account is wrong, not this one message: every later message would fail the same way.
CONFIG_CODES = frozenset({
    "isv.SMS_SIGNATURE_ILLEGAL", "isv.SMS_SIGN_ILLEGAL", "isv.SMS_TEMPLATE_ILLEGAL",
    "isv.TEMPLATE_MISSING_PARAMETERS", "isv.TEMPLATE_PARAMS_ILLEGAL", "isv.SMS_SIGNATURE_SCENE_ILLEGAL",
    "isv.PRODUCT_UN_SUBSCRIPT", "isv.PRODUCT_UNSUBSCRIBE", "isv.OUT_OF_SERVICE", "isv.AMOUNT_NOT_ENOUGH",
    "isv.ACCOUNT_NOT_EXISTS", "isv.ACCOUNT_ABNORMAL", "isv.DAY_LIMIT_CONTROL", "isv.MONTH_LIMIT_CONTROL",
    "isv.SECURITY_FROZEN_ACCOUNT", "isv.DENY_IP_RANGE", "isv.RAM_PERMISSION_DENY", "isv.INVALID_JSON_PARAM",
    "isv.PARAM_LENGTH_LIMIT", "isv.PARAM_NOT_SUPPORT_URL", "isv.SMS_TEST_SIGN_TEMPLATE_LIMIT",
})
AUTH_CODES = frozenset({
    "InvalidAccessKeyId.NotFound", "InvalidAccessKeyId.Inactive", "SignatureDoesNotMatch",
    "IncompleteSignature", "Forbidden.RAM", "NoPermission",
})
# This recipient only: the number is wrong, or on a blacklist; never retried.
RECIPIENT_CODES = frozenset({
    "isv.MOBILE_NUMBER_ILLEGAL", "isv.MOBILE_COUNT_OVER_LIMIT", "isv.BLACK_KEY_CONTROL_LIMIT",
    "isv.DOMESTIC_NUMBER_NOT_SUPPORTED", "isv.SMS_CONTENT_ILLEGAL", "isv.BLACK_LIST",
})
# This recipient has had enough today (per-number minute / hour / day limits): the next run tries again.
LATER_CODES = frozenset({"isv.BUSINESS_LIMIT_CONTROL"})
OPT_OUT_CODES = frozenset({"isv.CUSTOMER_REFUSED"})
_VARIABLE = re.compile(r"\$\{([A-Za-z0-9_]+)\}")


def aliyun_number(to: str) -> str:
    """Aliyun's spelling of an E.164 number: 11 digits in mainland China, else country code and number."""
    digits = to.lstrip("+")
    return digits[2:] if digits.startswith("86") and len(digits) == 13 else digits


def template_variables(content: str) -> tuple[str, ...]:
    """The ``${name}`` variables of an Aliyun template's text, in order, each once."""
    return tuple(dict.fromkeys(_VARIABLE.findall(content)))


class AliyunSms:
    """The Aliyun SMS channel. One instance per run; each thread that uses it gets its own client.

    The official client keeps per-call state on itself (``Client.get_rpc_headers`` reads and clears
    ``self._headers``), so the sender's pool threads do not share one: each builds its own on first use
    (:attr:`_client`). Underneath, darabonba sends through one ``requests.Session`` per host for the
    whole process (``DaraCore._sessions``), whatever the client: it only calls ``Session.send`` with a
    request it prepared itself, and the connection pool below (urllib3, up to 40 connections) is
    thread-safe.
    """

    provider = "aliyun"
    can_find_sent = True
    concurrent = True  # safe to call from several threads: one client per thread

    def __init__(self, access_key_id: str, access_key_secret: str, sign_name: str, *, endpoint: str = ALIYUN_API,
                 timeout: float = 15.0) -> None:
        self.sign_name = sign_name
        host, protocol = endpoint, "https"
        for scheme in ("http://", "https://"):
            if endpoint.startswith(scheme):
                host, protocol = endpoint[len(scheme):].rstrip("/"), scheme[:-3]
        ms = int(timeout * 1000)
        self._config = dict(access_key_id=access_key_id, access_key_secret=access_key_secret, endpoint=host,
                            protocol=protocol, read_timeout=ms, connect_timeout=ms)
        self._local = threading.local()
        self._runtime = RuntimeOptions(read_timeout=ms, connect_timeout=ms)  # only read by the client

    @property
    def _client(self) -> Client:
        """This thread's Aliyun client (made on first use)."""
        client: Client | None = getattr(self._local, "client", None)
        if client is None:
            client = self._local.client = Client(utils_models.Config(**self._config))
        return client

    @classmethod
    def from_config(cls, settings: SmsChannel, environ: Mapping[str, str], *, timeout: float = 15.0) -> AliyunSms:
        """Build from config.yaml's ``channels.sms``; the AccessKey comes from the named variables."""
        key_id = _env(environ, settings.access_key_id_env, "channels.sms.access_key_id_env")
        secret = _env(environ, settings.access_key_secret_env, "channels.sms.access_key_secret_env")
        return cls(key_id, secret, settings.sign_name or "", endpoint=settings.endpoint, timeout=timeout)

    # ----------------------------------------------------------------- before sending: are the settings right?

    def verify(self, settings: SmsChannel, campaigns: Iterable[str] | None = None) -> None:
        """Ask Aliyun about the signature and each template (of ``campaigns``, default all); raise
        :class:`LoyalsheetError` naming the setting when one is not approved or its variables differ."""
        try:
            sign = self._client.query_sms_sign_with_options(
                sms_models.QuerySmsSignRequest(sign_name=self.sign_name), self._runtime).body
        except (AlibabaCloudException, UnretryableException) as exc:
            raise self._verify_error(exc) from exc
        if sign is None or sign.code != "OK" or sign.sign_status != 1:
            detail = f"{getattr(sign, 'code', '?')}: {getattr(sign, 'reason', None) or getattr(sign, 'message', '')}"
            raise LoyalsheetError("aliyun.sign_rejected", sign=self.sign_name, detail=detail)
        wanted = None if campaigns is None else set(campaigns)
        for name, by_lang in sorted(settings.templates.items()):
            if wanted is not None and name not in wanted:
                continue
            for lang, tpl in sorted(by_lang.items()):
                setting = f"channels.sms.templates.{name}.{lang}"
                try:
                    body = self._client.query_sms_template_with_options(
                        sms_models.QuerySmsTemplateRequest(template_code=tpl.code), self._runtime).body
                except (AlibabaCloudException, UnretryableException) as exc:
                    if isinstance(exc, AlibabaCloudException) and str(exc.code).startswith("isv."):
                        raise LoyalsheetError("aliyun.template_unknown", setting=setting, template_code=tpl.code,
                                              detail=str(exc.code)) from exc
                    raise self._verify_error(exc) from exc
                if body is None or body.code != "OK" or not body.template_code:
                    raise LoyalsheetError("aliyun.template_unknown", setting=setting, template_code=tpl.code,
                                          detail=str(getattr(body, "code", "?")))
                if body.template_status != 1:
                    raise LoyalsheetError("aliyun.template_not_approved", setting=setting, template_code=tpl.code,
                                          detail=str(body.reason or body.template_status))
                found = template_variables(body.template_content or "")
                if set(found) != set(tpl.variables):
                    raise LoyalsheetError("aliyun.template_variables", setting=setting, template_code=tpl.code,
                                          declared=", ".join(tpl.variables) or "-", found=", ".join(found) or "-")

    def _verify_error(self, exc: Exception) -> LoyalsheetError:
        down = self._classify(exc) if isinstance(exc, AlibabaCloudException) else self._network(exc)
        assert isinstance(down, ChannelDown | RetryableError | PermanentError)
        kind = down.kind if isinstance(down, ChannelDown) else "server"
        return LoyalsheetError(f"send.down.{kind}", channel="sms", provider=self.provider, error=down.code,
                               detail=down.text)

    # ----------------------------------------------------------------- sending

    marks_final_step = False  # the request is the only step: Aliyun is asked instead (``find_sent``)

    def send(self, msg: OutgoingMessage, final_step: Callable[[], None] | None = None) -> SendResult:
        """``SendSms`` with the message's template, variables and ``OutId`` = its key."""
        if not msg.template_code:
            raise ChannelDown("config", "no-template", f"{msg.key}: no Aliyun template code for this message")
        request = sms_models.SendSmsRequest(
            phone_numbers=aliyun_number(msg.to), sign_name=self.sign_name, template_code=msg.template_code,
            template_param=msg.template_params or "{}", out_id=msg.key)
        try:
            body = self._client.send_sms_with_options(request, self._runtime).body
        except AlibabaCloudException as exc:
            raise self._classify(exc) from exc
        except UnretryableException as exc:
            raise self._network(exc) from exc
        if body is None:
            raise RetryableError("aliyun-bad-reply", "Aliyun's reply was empty", maybe_sent=True)
        code = str(body.code or "")
        if code == "OK":
            if not body.biz_id:
                raise RetryableError("aliyun-bad-reply", "Aliyun's reply had no BizId", maybe_sent=True)
            return SendResult(str(body.biz_id))
        raise self._classify_code(code, str(body.message or ""), status=200)

    def _classify(self, exc: AlibabaCloudException) -> Exception:
        return self._classify_code(str(exc.code or ""), str(exc.message or exc), status=int(exc.status_code or 0))

    @staticmethod
    def _classify_code(code: str, text: str, *, status: int) -> Exception:
        if code.startswith("Throttling") or status == 429:
            return RetryableError(code or "429", text, maybe_sent=False)
        if code in LATER_CODES:
            return RetryableError(code, text, maybe_sent=False, per_message=True, later=True)
        if code in AUTH_CODES or status in (401, 403):
            kind: DownKind = "auth" if code in AUTH_CODES else "config"
            return ChannelDown(kind, code or str(status), text, maybe_sent=False)
        if code in CONFIG_CODES:
            return ChannelDown("config", code, text, maybe_sent=False)
        if code in OPT_OUT_CODES:
            return PermanentError(code, text, opt_out=True)
        if code in RECIPIENT_CODES:
            return PermanentError(code, text)
        if status >= 500 or code.startswith("isp."):
            return RetryableError(code or str(status), text, maybe_sent=True)
        return PermanentError(code or str(status), text)

    @staticmethod
    def _network(exc: BaseException) -> ChannelDown | RetryableError:
        return network_error("Aliyun", getattr(exc, "inner_exception", None) or exc)

    # ----------------------------------------------------------------- asking Aliyun

    def find_sent(self, entry: Entry, *, exclude: Collection[str] = ()) -> str | None:
        """A message to ``entry.to`` with ``OutId`` = the entry's key, sent on the attempt's days.

        ``QuerySendDetails`` lists one number's messages of one day (China time), 50 a page. The
        reply has no BizId, so a found message is recorded as ``outid:<key>``. ``exclude`` is not
        needed: the OutId is the key itself, which no other row has.
        """
        since = (entry.attempt_at or entry.sending_at or entry.planned_at).astimezone(CHINA) - RECONCILE_SLACK
        until = datetime.now(CHINA) + RECONCILE_SLACK
        day = since.date()
        while day <= until.date():
            page = 1
            while True:
                request = sms_models.QuerySendDetailsRequest(
                    phone_number=aliyun_number(entry.to), send_date=day.strftime("%Y%m%d"), page_size=50,
                    current_page=page)
                try:
                    body = self._client.query_send_details_with_options(request, self._runtime).body
                except AlibabaCloudException as exc:
                    down = self._classify(exc)
                    raise (down if isinstance(down, ChannelDown) else
                           ChannelDown("server", str(exc.code), str(exc.message), maybe_sent=True)) from exc
                except UnretryableException as exc:
                    kind: DownKind = "unreachable" if _connect_failed(exc.inner_exception or exc) else "timeout"
                    raise ChannelDown(kind, "lookup", f"cannot ask Aliyun about sent messages: {exc}",
                                      maybe_sent=True) from exc
                if body is None or body.code != "OK":
                    raise ChannelDown("server", str(getattr(body, "code", "?")),
                                      str(getattr(body, "message", "no reply")), maybe_sent=True)
                rows = body.sms_send_detail_dtos.sms_send_detail_dto if body.sms_send_detail_dtos else None
                for row in rows or []:
                    if row.out_id == entry.key:
                        return f"outid:{entry.key}"
                if not rows or page * 50 >= int(body.total_count or 0):
                    break
                page += 1
            day += timedelta(days=1)
        return None

    # Aliyun's SMS API has no way to list members' replies (上行短信): it hands them to a message queue
    # (MNS) or pushes them to a web address, neither of which loyalsheet reads (yet).
    can_read_replies = False

    def replies(self, since: datetime) -> list[Reply]:
        """Nothing: see ``can_read_replies``."""
        return []

    def close(self) -> None:
        """Nothing of this channel's to release: the official client keeps its connections in a pool
        shared by the whole process (closed when the process ends)."""


__all__ = ["ALIYUN_API", "AliyunSms", "aliyun_number", "template_variables"]
