"""A small HTTP server on 127.0.0.1 that speaks enough of Aliyun's SMS RPC API for the official client.

The official ``alibabacloud-dysmsapi20170525`` client (signature v3, ``ACS3-HMAC-SHA256``) POSTs to
``/`` with the action in the ``x-acs-action`` header and the parameters in the query string; the v2
style (``Action=`` in the query or form) is read too. Answered actions:

- ``SendSms`` (PhoneNumbers, SignName, TemplateCode, TemplateParam, OutId) -> ``{"Code": "OK", "BizId": ...}``,
  or Aliyun's business error in a 200 answer (``isv.MOBILE_NUMBER_ILLEGAL``...), as Aliyun does;
- ``QuerySendDetails`` (PhoneNumber, SendDate yyyyMMdd, PageSize, CurrentPage) -> the day's messages to
  that number, with OutId, paged;
- ``QuerySmsSign`` / ``QuerySmsTemplate`` -> the signature's / template's status and text.

The signature is not verified, but the AccessKey ID in ``Authorization: ... Credential=<id>`` must be
the server's (else 404 ``InvalidAccessKeyId.NotFound``, as Aliyun answers). A sent message's text is
the template's with the variables filled, as a phone would show it.

Error injection: :meth:`FakeAliyun.script` queues what the next SendSms requests get instead of the
normal answer: a business error code, an HTTP error (``status``), a slow reply (store, then sleep), or
"drop" (store, then close the connection without answering). ``delay`` slows every SendSms. ``in_flight``, ``max_in_flight`` and
``max_in_flight_to`` (the most at once to one number) watch a concurrent sender.
"""

from __future__ import annotations

import json
import re
import secrets
import sys
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

ACCESS_KEY_ID = "LTAI-test-0123456789"
ACCESS_KEY_SECRET = "test-secret-0123456789"
SIGN_NAME = "花漾美肌"
CHINA = timezone(timedelta(hours=8))


@dataclass(frozen=True)
class Scripted:
    """One scripted answer to a SendSms request (see the module docstring)."""

    code: str = ""
    message: str = ""
    status: int = 200
    sleep: float = 0.0
    drop: bool = False


def business_limit() -> Scripted:
    return Scripted("isv.BUSINESS_LIMIT_CONTROL", "触发天级流控Permits:10")


def illegal_number() -> Scripted:
    return Scripted("isv.MOBILE_NUMBER_ILLEGAL", "非法手机号")


def throttled() -> Scripted:
    return Scripted("Throttling.User", "Request was denied due to user flow control.", status=400)


def server_error() -> Scripted:
    return Scripted("isp.SYSTEM_ERROR", "系统错误", status=500)


class FakeAliyun:
    """The server; use as a context manager (``with FakeAliyun() as ali: ali.endpoint ...``)."""

    def __init__(self, *, delay: float = 0.0, sign_name: str = SIGN_NAME,
                 templates: dict[str, str] | None = None) -> None:
        self.delay = delay
        self.access_key_id = ACCESS_KEY_ID
        self.access_key_secret = ACCESS_KEY_SECRET
        self.signs = {sign_name: 1}  # name -> SignStatus (1 approved, 0 waiting, 2 rejected)
        self.templates: dict[str, tuple[str, int]] = {code: (text, 1) for code, text in (templates or {}).items()}
        self._lock = threading.Lock()
        self._messages: list[dict[str, Any]] = []
        self._script: deque[Scripted] = deque()
        self.send_requests = 0
        self.in_flight = 0  # SendSms requests being answered now
        self.max_in_flight = 0  # the most at once
        self.max_in_flight_to = 0  # the most at once to one number
        self._flying_to: dict[str, int] = {}
        self.requests: list[str] = []  # the action of every request
        self._server: ThreadingHTTPServer | None = None

    # ----------------------------------------------------------------- control

    def start(self) -> FakeAliyun:
        handler = type("Handler", (_Handler,), {"fake": self})
        self._server = _QuietServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-aliyun",
                         daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeAliyun:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.server_address[1])

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def script(self, *answers: Scripted) -> None:
        with self._lock:
            self._script.extend(answers)

    @property
    def messages(self) -> list[dict[str, Any]]:
        """Every message taken, in order: phone, sign, template, params, out_id, biz_id, text, sent (China time)."""
        with self._lock:
            return [dict(m) for m in self._messages]

    # ----------------------------------------------------------------- behaviour

    @contextmanager
    def _flying(self, phone: str) -> Iterator[None]:
        """Count one SendSms to ``phone`` as in flight while it is answered."""
        with self._lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            self._flying_to[phone] = self._flying_to.get(phone, 0) + 1
            self.max_in_flight_to = max(self.max_in_flight_to, self._flying_to[phone])
        try:
            yield
        finally:
            with self._lock:
                self.in_flight -= 1
                self._flying_to[phone] -= 1

    def _send(self, q: dict[str, str]) -> tuple[int, dict[str, Any], Scripted | None]:
        with self._lock:
            self.send_requests += 1
            scripted = self._script.popleft() if self._script else None
        rid = secrets.token_hex(8).upper()
        if scripted is not None and scripted.code:
            return scripted.status, {"Code": scripted.code, "Message": scripted.message, "RequestId": rid}, None
        phone, sign, code = q.get("PhoneNumbers", ""), q.get("SignName", ""), q.get("TemplateCode", "")
        if not re.fullmatch(r"\d{11}|[1-9]\d{7,14}", phone):
            return 200, {"Code": "isv.MOBILE_NUMBER_ILLEGAL", "Message": "非法手机号", "RequestId": rid}, None
        if self.signs.get(sign) != 1:
            return 200, {"Code": "isv.SMS_SIGNATURE_ILLEGAL", "Message": "签名不合法", "RequestId": rid}, None
        if code not in self.templates or self.templates[code][1] != 1:
            return 200, {"Code": "isv.SMS_TEMPLATE_ILLEGAL", "Message": "模板不合法", "RequestId": rid}, None
        try:
            params = json.loads(q.get("TemplateParam") or "{}")
        except ValueError:
            return 200, {"Code": "isv.INVALID_JSON_PARAM", "Message": "JSON参数不合法", "RequestId": rid}, None
        text = self.templates[code][0]
        missing = [v for v in re.findall(r"\$\{(\w+)\}", text) if v not in params]
        if missing:
            return 200, {"Code": "isv.TEMPLATE_MISSING_PARAMETERS", "Message": f"模板缺少变量 {missing}",
                         "RequestId": rid}, None
        body = f"【{sign}】" + re.sub(r"\$\{(\w+)\}", lambda m: str(params[m.group(1)]), text)
        biz = f"{secrets.randbelow(10**9):09d}^{secrets.randbelow(10**10):010d}"
        with self._lock:
            self._messages.append({"phone": phone, "sign": sign, "template": code, "params": params,
                                   "out_id": q.get("OutId"), "biz_id": biz, "text": body,
                                   "sent": datetime.now(CHINA)})
        return 200, {"Code": "OK", "Message": "OK", "BizId": biz, "RequestId": rid}, scripted

    def _details(self, q: dict[str, str]) -> dict[str, Any]:
        phone, day = q.get("PhoneNumber", ""), q.get("SendDate", "")
        size = max(1, min(50, int(q.get("PageSize") or 10)))
        page = max(1, int(q.get("CurrentPage") or 1))
        rows = [m for m in self.messages if m["phone"] == phone and m["sent"].strftime("%Y%m%d") == day]
        chunk = rows[(page - 1) * size:page * size]
        return {"Code": "OK", "Message": "OK", "RequestId": secrets.token_hex(8), "TotalCount": str(len(rows)),
                "SmsSendDetailDTOs": {"SmsSendDetailDTO": [{
                    "PhoneNum": m["phone"], "SendStatus": 3, "ErrCode": "DELIVERED", "TemplateCode": m["template"],
                    "Content": m["text"], "SendDate": m["sent"].strftime("%Y-%m-%d %H:%M:%S"),
                    "ReceiveDate": m["sent"].strftime("%Y-%m-%d %H:%M:%S"), "OutId": m["out_id"]} for m in chunk]}}


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    fake: FakeAliyun
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""

    def _reply(self, status: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json;charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            # one request per connection: the official client keeps idle connections in a pool shared by
            # the whole process, which would keep this server's threads waiting after a test
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(data)
            self.wfile.flush()
        except OSError:
            pass
        self.close_connection = True

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if len(raw) < length:
            self.close_connection = True
            return
        parts = urlsplit(self.path)
        q = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        q.update({k: v[-1] for k, v in parse_qs(raw.decode("utf-8"), keep_blank_values=True).items()})
        action = self.headers.get("x-acs-action") or q.get("Action", "")
        self.fake.requests.append(action)
        auth = self.headers.get("Authorization", "")
        key_id = re.search(r"Credential=([^,]+)", auth)
        if (key_id.group(1) if key_id else q.get("AccessKeyId")) != self.fake.access_key_id:
            self._reply(404, {"Code": "InvalidAccessKeyId.NotFound", "Message": "Specified access key is not found.",
                              "RequestId": "0"})
            return
        if action == "SendSms":
            with self.fake._flying(q.get("PhoneNumbers", "")):
                status, payload, scripted = self.fake._send(q)
                if scripted is not None and scripted.drop:
                    self.close_connection = True
                    return
                if scripted is not None and scripted.sleep:
                    time.sleep(scripted.sleep)
                elif self.fake.delay and payload.get("Code") == "OK":
                    time.sleep(self.fake.delay)
                self._reply(status, payload)
        elif action == "QuerySendDetails":
            self._reply(200, self.fake._details(q))
        elif action == "QuerySmsSign":
            name = q.get("SignName", "")
            if name not in self.fake.signs:
                self._reply(200, {"Code": "isv.SMS_SIGN_ILLEGAL", "Message": "签名不存在", "RequestId": "0"})
            else:
                self._reply(200, {"Code": "OK", "SignName": name, "SignStatus": self.fake.signs[name],
                                  "Reason": "" if self.fake.signs[name] == 1 else "审核未通过", "RequestId": "0"})
        elif action == "QuerySmsTemplate":
            code = q.get("TemplateCode", "")
            if code not in self.fake.templates:
                self._reply(200, {"Code": "isv.SMS_TEMPLATE_ILLEGAL", "Message": "模板不存在", "RequestId": "0"})
            else:
                text, status = self.fake.templates[code]
                self._reply(200, {"Code": "OK", "TemplateCode": code, "TemplateContent": text,
                                  "TemplateStatus": status, "TemplateType": 1, "Reason": "", "RequestId": "0"})
        else:
            self._reply(404, {"Code": "InvalidAction.NotFound", "Message": f"{action} not served", "RequestId": "0"})


@contextmanager
def aliyun_server(**kwargs: Any) -> Iterator[FakeAliyun]:
    """``with aliyun_server(templates={...}) as ali:`` a started :class:`FakeAliyun`, stopped afterwards."""
    fake = FakeAliyun(**kwargs)
    with fake:
        yield fake
