"""Messages of the demo book generator (``loyalsheet demo``)."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "demo_exists": {"en": "{path} already exists: the demo was not written", "zh": "{path} 已存在，没有写入演示数据"},
    "demo_exists.hint": {
        "en": "Choose an empty folder, or delete the old demo first.",
        "zh": "请选择一个空文件夹，或先删除旧的演示数据。",
    },
    "demo_too_small": {
        "en": "A demo with planted mistakes needs at least {minimum} members (asked for {members})",
        "zh": "带录入错误的演示数据至少需要 {minimum} 位会员（当前 {members} 位）",
    },
    "demo_too_small.hint": {
        "en": "Ask for more members with --members.",
        "zh": "请用 --members 增加会员数。",
    },
}
