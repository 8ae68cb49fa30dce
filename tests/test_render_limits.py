"""A template cannot hang the daily job or fill the memory: loops and text are bounded per message."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from loyalsheet.messaging.render import RenderError, Templates
from loyalsheet.messaging.render_limits import MAX_LOOP_STEPS, MAX_TEXT
from tests.helpers import REPO, Result

HOSTILE = {
    "nested": "{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}x",
    "macro": "{% macro m(n) %}{% for i in range(n) %}{% for j in range(n) %}.{% endfor %}{% endfor %}{% endmacro %}"
             "\n{{ m(1000) }}",
    "repeat": "{{ 'x' * 1000000000 }}",
    "power": "{{ 10 ** 100000000 }}",
    "center": "{{ 'x'|center(1000000000) }}",
    "format": "{{ '%1000000000s'|format('x') }}",
    "indent": "{{ ('x\n' * 50000)|indent(1000) }}",
}


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    for name, source in HOSTILE.items():
        (tmp_path / f"{name}.sms.en.j2").write_text(source, encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_runaway_template_stops_at_once_with_a_template_error(folder: Path, name: str) -> None:
    started = time.monotonic()
    with pytest.raises(RenderError) as caught:
        Templates(folder).render(f"{name}.sms.en.j2", {"lang": "en"})
    assert time.monotonic() - started < 5
    err = caught.value
    assert err.path == folder / f"{name}.sms.en.j2" and err.line is not None
    if name in ("nested", "macro"):
        assert f"more than {MAX_LOOP_STEPS:,} steps" in err.detail
    else:
        assert f"at most {MAX_TEXT:,}" in err.detail


def test_each_message_has_its_own_budget_and_loops_work_as_before(tmp_path: Path) -> None:
    source = ("{% for i in range(3) %}{{ loop.index }}/{{ loop.length }}{% if loop.last %}!{% endif %}{% endfor %} "
              "{% for k, v in {'a': 1}.items() %}{{ k }}{{ v }}{% endfor %}{% for x in [] %}{% else %}empty{% endfor %} "
              "{% for x in [[1, [2]], [3]] recursive %}{% if x is iterable %}{{ loop(x) }}{% else %}{{ x }}{% endif %}"
              "{% endfor %} {{ 'ab' * 3 }} {{ 2 ** 10 }} {{ '%5s'|format('x') }}"
              "{% for i in range(n) %}{% endfor %}")
    (tmp_path / "ok.sms.zh.j2").write_text(source, encoding="utf-8")
    tpl = Templates(tmp_path)
    for _ in range(3):  # each render just inside the budget: a budget shared between messages would run out
        assert tpl.render("ok.sms.zh.j2", {"n": MAX_LOOP_STEPS - 20}).text == "1/32/33/3! a1empty 123 ababab 1024     x"
    with pytest.raises(RenderError, match="20,000"):
        tpl.render("ok.sms.zh.j2", {"n": MAX_LOOP_STEPS, "lang": "en"})
    with pytest.raises(RenderError, match="循环"):
        tpl.render("ok.sms.zh.j2", {"n": MAX_LOOP_STEPS, "lang": "zh"})


def test_templates_check_reports_a_hanging_template_with_its_file_and_line(
        tmp_path: Path, cli: Callable[..., Result]) -> None:
    folder = tmp_path / "templates"
    shutil.copytree(REPO / "message_templates", folder)
    (folder / "birthday.sms.en.j2").write_text(
        "Happy birthday {{ name }}!\n{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}",
        encoding="utf-8")
    started = time.monotonic()
    result = cli("templates", "check", "--dir", str(folder), "--lang", "en", "--date", "2026-11-20", cwd=tmp_path)
    assert result.code == 1, result.err + result.out
    assert "birthday.sms.en.j2" in result.err and "more than 20,000 steps" in result.err
    assert time.monotonic() - started < 120
