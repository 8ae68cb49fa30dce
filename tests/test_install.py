"""The install a shop types: a wheel built from this folder, installed with the excel extra into a fresh
virtual environment, runs `loyalsheet --help` and `loyalsheet demo` (built-in templates, presets and the
workbook templates come with it)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

from tests.helpers import REPO


def test_every_package_is_in_the_wheel_list() -> None:
    """pyproject.toml lists the packages by hand (to ship the templates folders inside): none may be missing."""
    listed = set(tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {".".join(p.parent.relative_to(REPO).parts) for p in (REPO / "loyalsheet").rglob("__init__.py")}
    assert found <= listed, f"add to [tool.setuptools] packages in pyproject.toml: {sorted(found - listed)}"


@pytest.mark.slow
def test_wheel_installs_and_runs_in_a_fresh_environment(tmp_path: Path) -> None:
    built = subprocess.run([str(REPO / "scripts" / "build_wheel"), str(tmp_path / "dist")], cwd=REPO,
                           capture_output=True, text=True, timeout=900)
    assert built.returncode == 0, built.stdout + built.stderr
    (wheel,) = (tmp_path / "dist").glob("loyalsheet-*-py3-none-any.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "loyalsheet/message_templates/birthday.sms.zh.j2" in names
    assert "loyalsheet/message_templates/calls/churn.zh.j2" in names  # the Call list's words
    assert "loyalsheet/presets/dental.yaml" in names and "loyalsheet/presets/templates/dental/followup-3d.sms.zh.j2" in names
    assert "loyalsheet/workbook_templates/members.xlsx" in names
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    bin_dir = venv / ("Scripts" if os.name == "nt" else "bin")
    installed = subprocess.run([str(bin_dir / "python"), "-m", "pip", "install", "--quiet", f"{wheel}[excel]"],
                               capture_output=True, text=True, timeout=1800)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    env = {**os.environ, "LANG": "C.UTF-8", "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}
    env.pop("PYTHONPATH", None)
    shop = tmp_path / "shop"  # outside the project folder: nothing of it is found by accident
    shop.mkdir()
    helped = subprocess.run(["loyalsheet", "--help"], cwd=shop, env=env, capture_output=True, text=True, timeout=300)
    assert helped.returncode == 0 and "Usage: loyalsheet" in helped.stdout, helped.stderr
    where = subprocess.run([str(bin_dir / "python"), "-c", "import loyalsheet, xlwings; print(loyalsheet.__file__)"],
                           cwd=shop, env=env, capture_output=True, text=True, timeout=300)
    assert where.returncode == 0 and str(venv) in where.stdout, where.stdout + where.stderr
    demo = subprocess.run(["loyalsheet", "demo", "demo", "--members", "60"], cwd=shop, env=env,
                          capture_output=True, text=True, timeout=600)
    assert demo.returncode == 0, demo.stdout + demo.stderr
    assert (shop / "demo" / "members.xlsx").exists()
    # the next steps it prints work as typed: `loyalsheet today --config demo/config.yaml` renders the
    # built-in templates from inside the installed package
    today = re.search(r"(loyalsheet today --config \S+)", demo.stdout)
    assert today is not None, demo.stdout
    ran = subprocess.run([*today.group(1).split(), "--at", "10:00"], cwd=shop, env=env, capture_output=True,
                         text=True, timeout=600)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "试运行" in ran.stdout  # (the demo store speaks Chinese)
    made = subprocess.run(["loyalsheet", "init", "clinic/members.xlsx", "--preset", "dental"], cwd=shop, env=env,
                          capture_output=True, text=True, timeout=300)
    assert made.returncode == 0, made.stdout + made.stderr
    assert (shop / "clinic" / "message_templates" / "followup-3d.sms.zh.j2").exists()
