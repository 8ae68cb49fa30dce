"""The `loyalsheet` command: a group of thin commands, and the one place errors are caught.

Exit codes: 0 done (no errors found), 1 the member file has errors, 2 the command could not run
(a missing or unreadable file, a wrong setting, a wrong option), 130 stopped with Ctrl-C.
"""

from __future__ import annotations

import gc
import importlib
import os
import sys
import traceback
from typing import Any

import click

from .. import __version__
from ..errors import LoyalsheetError
from ..i18n import has, t
from .common import _default_lang, err_console, styled

# Each command's module is imported when the command runs (or is listed by --help): a command then
# starts without loading what only the others use (Twilio's client, openpyxl, the scheduler).
_COMMANDS = {  # name -> (module in loyalsheet.cli, attribute)
    "check": ("check", "check"),
    "init": ("init", "init"),
    "demo": ("demo", "demo"),
    "member": ("member", "member"),
    "birthdays": ("member", "birthdays"),
    "events": ("events", "events"),
    "refresh": ("refresh", "refresh"),
    "report": ("report", "report"),
    "today": ("today", "today"),
    "log": ("today", "log"),
    "templates": ("templates", "templates"),
    "schedule": ("schedule", "schedule"),
}


class _Commands(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(_COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        spec = _COMMANDS.get(cmd_name)
        if spec is None:
            return None
        command = getattr(importlib.import_module(f"{__package__}.{spec[0]}"), spec[1])
        assert isinstance(command, click.Command)
        return command


def all_commands() -> dict[str, click.Command]:
    """Every command by name (each module imported)."""
    with click.Context(cli) as ctx:
        return {name: cmd for name in cli.list_commands(ctx) if (cmd := cli.get_command(ctx, name)) is not None}


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="loyalsheet")
def cli() -> None:
    """loyalsheet: run a membership (loyalty) program out of one Excel workbook.

    会员管理：用一个 Excel 会员档案运行会员积分、等级与回访。

    Every command takes --help. Start with `loyalsheet demo demo/` to try it on a demo store.
    """


def _lang_from_argv(argv: list[str]) -> str:
    for i, arg in enumerate(argv):
        if arg == "--lang" and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith("--lang="):
            return arg.split("=", 1)[1]
    return _default_lang()


def report_error(exc: LoyalsheetError, lang: str) -> None:
    console = err_console()
    console.print(styled((t("error.prefix", lang) + ":", "bold red"), " ", t(exc.code, lang, **exc.params)))
    hint_key = exc.code + ".hint"
    if has(hint_key):
        console.print(f"{t('error.todo', lang)}: {t(hint_key, lang, **exc.params)}")


# A command holds a member file of up to a million rows and builds millions of small objects with no
# reference cycles, then exits. Python's cyclic collector would scan each of them at least twice while it
# runs (3 s of a 100,000-member refresh, even looking only every 50,000 new objects) and find next to
# nothing: reference counting frees what a command lets go of. So it is off while a command computes, on
# every OS; the few cycles libraries leave (phonenumbers keeps a traceback per unreadable number: 20 MB
# for 100,000 of them) are freed at exit. The long loops switch it back on: the scheduler's,
# which runs for days, and the sending of messages, which talks to HTTP and SMTP libraries for minutes
# (common.collect_cycles).


def main(argv: list[str] | None = None) -> Any:
    gc.disable()
    args = list(sys.argv[1:] if argv is None else argv)
    lang = _lang_from_argv(args)
    try:
        return cli.main(args=args, prog_name="loyalsheet", standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        err_console().print(t("interrupted", lang))
        sys.exit(130)
    except LoyalsheetError as exc:
        asked = exc.params.get("config_language")
        if asked in ("zh", "en") and not any(a == "--lang" or a.startswith("--lang=") for a in args):
            lang = asked
        report_error(exc, lang)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        err_console().print(t("interrupted", lang))
        sys.exit(130)
    except Exception as exc:  # the last line of defence: a store manager never sees a traceback
        if os.environ.get("LOYALSHEET_DEBUG"):
            traceback.print_exc()
        report_error(LoyalsheetError("internal_error", detail=f"{type(exc).__name__}: {exc}"), lang)
        sys.exit(2)
