"""The README is true: its two commands work, and every command it lists exists and has --help."""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Callable
from pathlib import Path

from loyalsheet.cli.main import all_commands
from tests.helpers import REPO, Result

README = (REPO / "README.md").read_text(encoding="utf-8")


def test_readme_has_the_two_commands_and_ci_runs_the_second() -> None:
    assert "./scripts/demo" in README and "./scripts/test" in README
    ci = (REPO / ".ci" / "run").read_text()
    assert "./scripts/test" in ci


def test_every_command_is_documented_and_has_help(cli: Callable[..., Result]) -> None:
    documented = set(re.findall(r"^\| `loyalsheet ([a-z-]+)", README, flags=re.M))
    commands = all_commands()
    assert documented == set(commands), "README's command table and the CLI disagree"
    for name in sorted(commands):
        result = cli(name, "--help")
        assert result.code == 0, result.err
        assert "--config" in result.out and "--lang" in result.out


def test_readme_first_command_runs_the_main_job_on_a_demo_store(tmp_path: Path) -> None:
    env = {**os.environ, "LOYALSHEET_DEMO_DIR": str(tmp_path / "demo"), "LANG": "C.UTF-8"}
    proc = subprocess.run([str(REPO / "scripts" / "demo"), "--members", "120"], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (tmp_path / "demo" / "members.xlsx").exists() and (tmp_path / "demo" / "config.yaml").exists()
    assert "Traceback" not in proc.stderr
