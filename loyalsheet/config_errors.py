"""A wrong setting in config.yaml, said in plain words: which key, on which line, and what to type instead.

pydantic still checks every setting; this turns its first complaint into a catalog message (zh and en)
that names the key as written in config.yaml, the line, what was typed, and an example of what fits.
"""

from __future__ import annotations

import difflib
import types
import typing
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from .errors import ConfigError

# pydantic's error type -> our catalog code (config_invalid.<kind>, each with a .hint)
_KINDS = {
    "int_parsing": "int", "int_type": "int", "int_from_float": "int",
    "decimal_parsing": "number", "decimal_type": "number", "float_parsing": "number", "float_type": "number",
    "decimal_max_places": "number", "finite_number": "number",
    "bool_parsing": "bool", "bool_type": "bool",
    "literal_error": "choice", "enum": "choice",
    "greater_than": "min", "greater_than_equal": "min", "less_than": "max", "less_than_equal": "max",
    "missing": "missing", "string_too_short": "missing", "too_short": "missing",
    "string_type": "text", "dict_type": "mapping", "model_type": "mapping", "list_type": "list",
    "tuple_type": "list", "extra_forbidden": "unknown",
}
# a secret typed into config.yaml instead of the name of the environment variable that holds it
SECRET_KEYS = ("auth_token", "account_sid", "password", "username", "api_key", "secret", "access_key_id",
               "access_key_secret", "token")


def _shown_key(loc: tuple[int | str, ...]) -> str:
    """``stores.0.name`` as a person finds it in config.yaml: ``stores[1].name``."""
    out = ""
    for part in loc:
        out += f"[{part + 1}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top)"


def _value(err: ErrorDetails) -> str:
    value = err.get("input")
    if isinstance(value, dict | list) or value is None:
        return ""
    text = str(value)
    return text if len(text) <= 40 else text[:39] + "…"


def _model_at(loc: tuple[int | str, ...], root: type[BaseModel]) -> type[BaseModel] | None:
    """The settings model that holds the last key of ``loc``."""
    model: type[BaseModel] | None = root
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        if model is None or part not in model.model_fields:
            return None
        model = _inner_model(model.model_fields[part].annotation)
    return model


def _inner_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is not None:
        for arg in typing.get_args(annotation):
            found = _inner_model(arg)
            if found is not None:
                return found
    return None


def plain_config_error(exc: ValidationError, root: type[BaseModel], line: int | None, filename: str) -> ConfigError:
    """The first of ``exc``'s errors as a :class:`ConfigError` a store manager can act on."""
    err = exc.errors()[0]
    loc = tuple(p for p in err["loc"] if p not in ("function-after",))
    name = str(loc[-1]) if loc else ""
    ctx = err.get("ctx") or {}
    params: dict[str, Any] = {
        "file": filename, "line": line or "?", "key": ".".join(str(p) for p in loc) or "(top)",
        "shown": _shown_key(loc), "name": name, "value": _value(err), "detail": err["msg"].removeprefix("Value error, "),
        "expected": str(ctx.get("expected", "")).replace("'", "").replace(" or ", ", "),
        "limit": ctx.get("ge", ctx.get("gt", ctx.get("le", ctx.get("lt", "")))),
    }
    kind = _KINDS.get(err["type"])
    if kind == "unknown":
        if any(name == s or name.endswith("_" + s) for s in SECRET_KEYS):
            return ConfigError("config_invalid.secret", **(params | {"value": ""}))  # never repeat a secret
        model = _model_at(loc, root)
        known = list(model.model_fields) if model is not None else []
        close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
        if close:
            return ConfigError("config_invalid.unknown_close", **params, close=close[0])
    if kind is None:
        return ConfigError("config_invalid", **params)
    return ConfigError(f"config_invalid.{kind}", **params)
