"""Fuzz: member names, notes and store names drawn by hypothesis (markup brackets, control characters,
direction marks, 2,000-character strings, formula prefixes) through check, member, birthdays, today,
today --send (to the outbox), log and refresh. No command may fail with a bug, and every workbook the
commands leave behind opens in openpyxl and in LibreOffice.

The commands run in this process (``loyalsheet.cli.main.main``, which turns any unexpected exception
into its "stopped because of a bug" line, so that line is what is looked for); LibreOffice opens all
the books at once at the end. A bounded number of examples keeps the suite's time in budget.
"""

from __future__ import annotations

import contextlib
import io
import shutil
import subprocess
import uuid
from datetime import date, datetime, time
from pathlib import Path

from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from loyalsheet.cli.main import main
from loyalsheet.demo import config_text, generate
from loyalsheet.workbook.template import write_book
from tests.helpers import soffice
from tests.hostile import HOSTILE_NAMES, excel_text

DAY = date(2026, 11, 20)
EXAMPLES = 8
BUG = ("stopped because of a bug", "因程序错误而停止", "Traceback")

_plain = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)
_control = st.text(st.characters(min_codepoint=0, max_codepoint=0x9F), min_size=1, max_size=8)
_marks = st.sampled_from(["\u202e", "\u202d", "\u200f", "\u2066", "\u2069", "\u061c", "\ufeff"])
_pieces = st.one_of(_plain, _control, _marks, st.sampled_from(HOSTILE_NAMES),
                    st.sampled_from(["[", "]", "[/]", "[b]", "[link=http://x]", ":smile:", "=", "+", "-", "@",
                                     "\t", "\r\n", "'", '"', "\\", "{{ name }}", "{%", "&lt;", "<b>"]))
TEXT = st.one_of(
    st.lists(_pieces, min_size=1, max_size=6).map("".join),
    st.builds(lambda prefix, rest: prefix + rest, st.sampled_from(["=", "+", "-", "@", "\t=", "'="]), _plain),
    st.text(st.characters(blacklist_categories=("Cs",)), min_size=2000, max_size=2000),
)
STORE = TEXT.map(lambda s: s.strip()[:60]).filter(lambda s: s != "")


def yaml_string(text: str) -> str:
    """``text`` as a YAML double-quoted string that holds any character (what YAML cannot hold raw, escaped)."""
    def one(c: str) -> str:
        if c in '"\\':
            return "\\" + c
        if ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F or 0xD800 <= ord(c) <= 0xDFFF or c in "\ufeff\ufffe\uffff":
            return f"\\u{ord(c):04x}"
        return c

    return '"' + "".join(one(c) for c in text) + '"'


def run(folder: Path, *args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main([*args])
        except SystemExit as exc:
            code = int(exc.code or 0)
    text_out, text_err = out.getvalue(), err.getvalue()
    assert not any(b in text_out + text_err for b in BUG), (args, text_err)
    assert "\x1b" not in text_out + text_err, args  # nothing a terminal would act on
    return code, text_out, text_err


def test_hostile_text_everywhere(tmp_path: Path) -> None:
    books: list[Path] = []

    # No shrinking: each example runs eight commands, and a failure prints its names as drawn.
    @settings(max_examples=EXAMPLES, deadline=None, database=None, phases=(Phase.explicit, Phase.generate),
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example])
    @given(names=st.lists(TEXT, min_size=1, max_size=6), notes=st.lists(TEXT, min_size=1, max_size=3),
           stores=st.lists(STORE, min_size=1, max_size=2, unique_by=str.casefold), lang=st.sampled_from(["zh", "en"]))
    @example(names=list(HOSTILE_NAMES), notes=["=1+1", "x" * 2000], stores=["旗舰店 [/i]", "[b]东城[/b]\u202e"],
             lang="zh")
    def one(names: list[str], notes: list[str], stores: list[str], lang: str) -> None:
        folder = tmp_path / uuid.uuid4().hex[:8]
        folder.mkdir()
        book = generate(members=30, years=1, today=DAY, stores=tuple(stores))
        for i, row in enumerate(book.rows["members"]):
            row[1] = names[i % len(names)]
            row[16] = notes[i % len(notes)]
        for rows in book.rows.values():  # as Excel keeps control characters in a file (store names are everywhere)
            for row in rows:
                row[:] = [excel_text(v) if isinstance(v, str) else v for v in row]
        write_book(folder / "members.xlsx", book.rows, header_style="zh-en", language="zh",
                   created=datetime.combine(DAY, time()))
        # config.yaml with each store's name as a YAML escape string, so any character can be in it
        text = config_text("members.xlsx", tuple(f"__store{i}__" for i in range(len(stores))))
        for i, name in enumerate(stores):
            text = text.replace(f'"__store{i}__"', yaml_string(name))
        (folder / "config.yaml").write_text(text, encoding="utf-8")
        config = ["--config", str(folder / "config.yaml"), "--lang", lang]
        day = ["--date", DAY.isoformat()]
        code, _, err = run(folder, "check", *config, *day)
        assert code in (0, 1), err
        for args in (("member", *day, "M00001"), ("member", *day, "--", names[0][:20] or "x"),
                     ("birthdays", "--month", "2026-11"), ("today", *day, "--at", "10:00"),
                     ("today", *day, "--at", "10:00", "--send"), ("log",), ("refresh", *day)):
            code, _, err = run(folder, args[0], *config, *args[1:])
            assert code in (0, 1), (args, err)
        load_workbook(folder / "members.xlsx")  # every part, not just the cells
        books.append(folder / "members.xlsx")

    with contextlib.chdir(tmp_path):
        one()
    assert len(books) == EXAMPLES + 1  # the explicit example too
    # LibreOffice opens every book the commands wrote (one process for all of them)
    out = tmp_path / "lo"
    for i, book in enumerate(books):
        shutil.copy(book, out.parent / f"book{i}.xlsx")
    profile = Path("/tmp") / f"lo-profile-{uuid.uuid4().hex}"
    try:
        subprocess.run([soffice(), f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "csv",
                        "--outdir", str(out), *(str(tmp_path / f"book{i}.xlsx") for i in range(len(books)))],
                       check=True, capture_output=True, timeout=600)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    assert sorted(p.name for p in out.iterdir()) == sorted(f"book{i}.csv" for i in range(len(books)))
