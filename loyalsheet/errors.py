"""One root exception, caught once by the CLI: it prints the message and what to do, exit code 2."""

from __future__ import annotations

from typing import Any


class LoyalsheetError(Exception):
    """Something stops a command from running. ``code`` is a message-catalog key."""

    exit_code = 2

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code, params)
        self.code = code
        self.params = params


class ConfigError(LoyalsheetError):
    """config.yaml is missing, unreadable or has a wrong setting."""


class WorkbookError(LoyalsheetError):
    """The member file cannot be opened or lacks what every command needs."""
