"""The README is true: its two commands work, and every command it lists exists and has --help."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
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
        assert "--lang" in result.out
        assert "--config" in result.out or name == "init"  # init writes a config.yaml beside the new book


def test_readme_first_command_runs_the_main_job_on_a_demo_store(tmp_path: Path) -> None:
    env = {**os.environ, "LOYALSHEET_DEMO_DIR": str(tmp_path / "demo"), "LANG": "C.UTF-8"}
    proc = subprocess.run([str(REPO / "scripts" / "demo"), "--members", "120"], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (tmp_path / "demo" / "members.xlsx").exists() and (tmp_path / "demo" / "config.yaml").exists()
    assert "Traceback" not in proc.stderr
    # it ends with next steps whose commands work as typed in the folder it was started from
    steps = proc.stdout[proc.stdout.index("== 下一步 / Next steps"):]
    commands = [line.strip() for line in steps.splitlines() if line.strip().startswith(".venv/bin/loyalsheet ")]
    assert [c.split()[1] for c in commands] == ["refresh", "member", "birthdays", "init"], steps
    for command in commands[:3]:
        ran = subprocess.run(shlex.split(command), cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
        assert ran.returncode == 0, (command, ran.stdout, ran.stderr)


def _first_block(section: str) -> list[str]:
    start = README.index(section)
    block = README[README.index("```bash\n", start) + len("```bash\n"):]
    return [line.strip() for line in block[:block.index("```")].splitlines() if line.strip()]


def test_readme_quickstart_is_true_as_typed(tmp_path: Path) -> None:
    """Both quickstarts start with `init --preset` and run, as typed, where `loyalsheet` is on the PATH."""
    english, chinese = _first_block("## Quickstart for a store manager"), _first_block("## 店长快速上手")
    assert english == chinese
    assert english[0].startswith("loyalsheet init ") and "--preset" in english[0]
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "LANG": "zh_CN.UTF-8", "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}
    proc = subprocess.run(["bash", "-euc", "\n".join(english)], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "下一步" in proc.stdout and "Traceback" not in proc.stderr
