"""The cyclic collector policy of the command line (cli/main.py): off while a command computes, back on
for the long loops (sending messages, the scheduler), at Python's own thresholds."""

from __future__ import annotations

import gc
from pathlib import Path

from loyalsheet.cli.main import main
from tests.conftest import DEMO_DAY


def _run(*args: str) -> int:
    try:
        main(list(args))
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


def test_a_command_computes_with_the_collector_off(store: Path) -> None:
    gc.enable()
    code = _run("check", "--config", str(store / "config.yaml"), "--date", DEMO_DAY.isoformat(), "--json")
    assert code in (0, 1) and not gc.isenabled()


def test_a_dry_run_leaves_it_off_and_sending_switches_it_back_on(store: Path) -> None:
    config = str(store / "config.yaml")
    gc.enable()
    assert _run("today", "--config", config, "--date", DEMO_DAY.isoformat(), "--json") == 0
    assert not gc.isenabled()
    gc.set_threshold(50_000, 20, 20)
    assert _run("today", "--config", config, "--date", DEMO_DAY.isoformat(), "--send", "--json") == 0
    assert any((store / "outbox").iterdir())  # the messages were sent (to the demo's outbox)
    assert gc.isenabled() and gc.get_threshold() == (700, 10, 10)

