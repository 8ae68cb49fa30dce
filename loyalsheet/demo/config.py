"""The files of a demo folder, and the config.yaml written beside the book, for one store or a chain."""

from __future__ import annotations

import json
from collections.abc import Sequence

WORKBOOK_NAME = "members.xlsx"
CONFIG_NAME = "config.yaml"


DEMO_STORES = ("旗舰店", "东城店", "西湖店", "南山店", "北辰店", "滨江店", "河西店", "高新店", "城北店")
"""Names of a demo chain's stores, the first store first."""


def demo_stores(count: int, first: str | None = None) -> tuple[str, ...]:
    """``count`` store names for a demo chain; ``first`` names the first store."""
    names = [first or DEMO_STORES[0], *(n for n in DEMO_STORES if n != (first or DEMO_STORES[0]))]
    names += [f"{i + 1}号店" for i in range(len(names), count)]
    return tuple(names[:count])


def config_text(workbook_name: str = WORKBOOK_NAME, stores: Sequence[str] = ("旗舰店",)) -> str:
    """config.yaml for the demo shop, every setting explained; messages go to the outbox folder only."""

    def q(text: str) -> str:
        return json.dumps(text, ensure_ascii=False)  # a JSON string is a YAML string too

    def sender_lines(name: str) -> str:
        return "".join(f"    {q(s)}: {q(name)}\n" for s in stores)

    store_lines = "".join(
        f"  - name: {q(s)}\n    timezone: Asia/Shanghai\n    region: CN\n    currency: CNY\n"
        f"    opening_hours: \"10:00-21:00\"\n    phone: \"021-5555 01{i:02d}\"\n"
        for i, s in enumerate(stores)
    )
    return (
        "# loyalsheet settings for the demo shop (all people in members.xlsx are made up).\n"
        "# Unknown keys are refused, so a typo is reported with its line.\n"
        "\n"
        "# Language of the tool's own messages and reports: zh or en.\n"
        "language: zh\n"
        "\n"
        "# The member file, relative to this config.yaml.\n"
        f"workbook: {q(workbook_name)}\n"
        "\n"
        "# Header cells written by init: zh-en is Chinese over English (会员编号 / Member ID).\n"
        "header_style: zh-en\n"
        "\n"
        "# One entry per store. name must match the Store (门店) column exactly.\n"
        "# timezone: when 'today' starts for this store; region: phones typed without +country are read as\n"
        "# this country's numbers (CN: 13812345678); currency: how amounts are shown; opening_hours and phone\n"
        "# are shown in messages. A chain: points, tiers and stored value count every store; each store gets\n"
        "# its own Call list, Call log and Dashboard (loyalsheet refresh), and --store NAME on any command.\n"
        "stores:\n"
        f"{store_lines}"
        "\n"
        "# No SMS or e-mail account is set: every message is written as a file into the outbox folder,\n"
        "# so you can read what would be sent. Add sms: (Twilio) or email: (SMTP) here to send for real.\n"
        "channels:\n"
        "  outbox: outbox\n"
        "\n"
        "# Birthday gift budget: 0.5% of last year's spend, at least 30 (a gift worth giving); `loyalsheet\n"
        "# birthdays` lists next month's.\n"
        "birthdays:\n"
        "  budget_rate: 0.005\n"
        "  budget_min: 30\n"
        "\n"
        "# The daily messages (loyalsheet today): every campaign but the monthly statement is on. The example\n"
        "# config.yaml explains campaigns: and messaging: in full. Signatures: 【花漾美肌】 in Chinese SMS;\n"
        "# an English name in English messages keeps them in the cheaper SMS alphabet.\n"
        "messaging:\n"
        "  sender_names:\n"
        f"{sender_lines('花漾美肌')}"
        "  sender_names_en:\n"
        f"{sender_lines('Bloom Beauty')}"
    )
