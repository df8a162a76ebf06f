"""Command-line values without pydantic.

Recent typer turns every option value into its type through a pydantic TypeAdapter, and importing pydantic
costs about 0.1 s: a sixth of a no-change plan. gtops's options are plain `str`, `int` (with `min`), `float`,
`bool`, `Path` and lists of those, which need no schema engine. `install` gives each such parameter of the
click command typer built a coercion of its own (typer's lazy `_runtime_param` slot); any other parameter,
and any typer without that slot, keeps typer's own path, so an unfamiliar typer only costs time, never
behaviour.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, get_args, get_origin

try:  # typer >= 0.2x: vendored click, pydantic-based coercion with a lazy per-parameter slot
    from typer._click.exceptions import BadParameter
    from typer._coercion import RuntimeParam
except ImportError:  # pragma: no cover - older typer coerces through click, without pydantic
    RuntimeParam = None  # type: ignore[assignment,misc]

_TRUE = {"1", "true", "t", "yes", "y", "on"}
_FALSE = {"0", "false", "f", "no", "n", "off", ""}
_PATH_DEFAULTS = {
    "exists": False,
    "file_okay": True,
    "dir_okay": True,
    "writable": False,
    "resolve_path": False,
    "allow_dash": False,
}


def _number(kind: type, value: Any, info: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ValueError(f"{value!r} is not a valid {_NAMES[kind]}.")
    try:
        number = kind(value.strip() if isinstance(value, str) else value)
    except (TypeError, ValueError):
        raise ValueError(f"{value!r} is not a valid {_NAMES[kind]}.") from None
    low, high = info.min, info.max
    if info.clamp:
        if low is not None and number < low:
            return kind(low)
        return kind(high) if high is not None and number > high else number
    if (low is not None and number < low) or (high is not None and number > high):
        bounds = " and ".join(
            part for part in (low is not None and f"x>={low}", high is not None and f"x<={high}") if part
        )
        raise ValueError(f"{number} is not in the range {bounds}.")
    return number


_NAMES = {int: "integer", float: "number"}


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"{value!r} is not a valid boolean.")


def _path(value: Any) -> Path:
    if isinstance(value, (str, Path)):
        return Path(value)
    raise ValueError(f"{value!r} is not a valid path.")


def _leaf(annotation: Any, info: Any) -> Any:
    """A function value -> typed value for `annotation`, or None when gtops leaves it to typer."""
    if info.parser is not None or getattr(info, "click_type", None) is not None:
        return None
    if annotation is str:
        return lambda value, param, ctx: value if isinstance(value, str) else str(value)
    if annotation in (int, float):
        return lambda value, param, ctx: _number(annotation, value, info)
    if annotation is bool:
        return lambda value, param, ctx: _bool(value)
    if annotation is Path and info.path_type is None:
        # (with every path flag at its default typer checks nothing on the path: it only makes one)
        if any(getattr(info, name, default) != default for name, default in _PATH_DEFAULTS.items()):
            return None
        return lambda value, param, ctx: _path(value)
    return None


def _coercion(annotation: Any, info: Any) -> Any:
    if get_origin(annotation) is list:
        (item,) = get_args(annotation) or (None,)
        one = _leaf(item, info)
        if one is None:
            return None
        return lambda values, param, ctx: [one(v, param, ctx) for v in values]
    return _leaf(annotation, info)


if RuntimeParam is not None:

    class _Lean(RuntimeParam):
        """typer's RuntimeParam (None and multi-value handling) with a plain function for the value."""

        def __init__(self, parameter_info: Any, annotation: Any, convert: Any) -> None:
            super().__init__(parameter_info=parameter_info, annotation=annotation)
            object.__setattr__(self, "convert", convert)

        def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
            try:
                return self.convert(value, param, ctx)  # type: ignore[attr-defined]
            except ValueError as bad:
                raise BadParameter(str(bad), ctx=ctx, param=param) from None


def install(command: Any) -> int:
    """Give every plain parameter of `command` and its subcommands gtops's coercion; how many it took."""
    if RuntimeParam is None:
        return 0
    taken = sum(_take(param) for param in command.params)
    help_option = command.get_help_option

    def lean_help_option(ctx: Any) -> Any:  # click makes `--help` on first use, per command
        option = help_option(ctx)
        if option is not None:
            _take(option)
        return option

    command.get_help_option = lean_help_option
    for sub in getattr(command, "commands", {}).values():
        taken += install(sub)
    return taken


def _take(param: Any) -> bool:
    descriptor = getattr(param, "type_descriptor", None)
    if descriptor is None or getattr(param, "_runtime_param", False) is not None or descriptor.is_file:
        return False
    convert = _coercion(descriptor.annotation, descriptor.parameter_info)
    if convert is None:
        return False
    try:
        param._runtime_param = _Lean(descriptor.parameter_info, descriptor.annotation, convert)
    except Exception:  # a typer whose RuntimeParam takes other fields: its own path, only slower
        return False
    return True
