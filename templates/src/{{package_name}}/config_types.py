"""YAML values -> the types a config dataclass declares.

YAML 1.1 reads `2e-5` as text (a float needs a dot) and `no`/`off` as booleans, and
TRL's config classes do not convert what they are given, so every value is converted
here to its field's annotation (`float`, `int | None`, `list[str]`, an enum or a
Literal, `IntervalStrategy | str`, ...). A value that fits none of them raises
TypeMismatch, whose message names the expected type. Types this module does not know
(a class such as GenerationConfig) are left for the dataclass itself to check.
"""

from __future__ import annotations

import enum
import types
import typing
from typing import Any, Literal, Union, get_args, get_origin

NONE = type(None)
TRUE_WORDS, FALSE_WORDS = {"true", "yes", "on", "1"}, {"false", "no", "off", "0"}


class TypeMismatch(Exception):
    """The value fits none of the declared types; the message names them."""


class _Unknown(Exception):
    """The declared type is one this module cannot check."""


def field_types(cls: type) -> dict[str, Any]:
    """Field name -> resolved annotation (string annotations evaluated); {} if unresolvable."""
    try:
        return typing.get_type_hints(cls)
    except Exception:  # an annotation naming something not importable here: leave values as they are
        return {}


def to_declared_type(value: Any, annotation: Any) -> Any:
    try:
        return _convert(value, annotation)
    except _Unknown:
        return value


def jsonable(value: Any) -> Any:
    """`value` as JSON (and safe YAML) can hold it: enums as their values, tuples as lists,
    dict keys as text, anything else unusual as its text."""
    if isinstance(value, enum.Enum):
        return jsonable(value.value)
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (list, tuple, set)):
        return [jsonable(item) for item in value]
    if isinstance(value, dict):
        return {str(key): jsonable(item) for key, item in value.items()}
    return str(value)


def type_name(annotation: Any) -> str:
    if annotation is NONE:
        return "null"
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        return " or ".join(type_name(member) for member in get_args(annotation))
    if origin is Literal:
        return "one of " + ", ".join(map(repr, get_args(annotation)))
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return "one of " + ", ".join(repr(member.value) for member in annotation)
    if origin is not None:
        return f"{origin.__name__}[{', '.join(type_name(arg) for arg in get_args(annotation))}]"
    return getattr(annotation, "__name__", str(annotation))


def _convert(value: Any, annotation: Any) -> Any:
    origin = get_origin(annotation)
    if annotation is Any or annotation is object:
        return value
    if origin in (Union, types.UnionType):
        return _to_union(value, get_args(annotation))
    if origin is Literal:
        return _to_choice(value, get_args(annotation), annotation)
    if origin in (list, tuple, set):
        return _to_sequence(value, origin, get_args(annotation), annotation)
    if origin is dict or annotation is dict:
        if isinstance(value, dict):
            return value
        raise TypeMismatch(type_name(annotation))
    if annotation is NONE:
        if value is None:
            return None
        raise TypeMismatch("null")
    if isinstance(annotation, type):
        if issubclass(annotation, enum.Enum):
            return _to_choice(value, tuple(member.value for member in annotation), annotation)
        if annotation in SCALARS:
            return SCALARS[annotation](value)
    raise _Unknown(annotation)


def _to_union(value: Any, members: tuple[Any, ...]) -> Any:
    if value is None and NONE in members:
        return None
    if enums := [m for m in members if isinstance(m, type) and issubclass(m, enum.Enum)]:
        if str in members:  # `IntervalStrategy | str` (transformers' style): the enum or one of its values
            return _to_choice(value, tuple(member.value for member in enums[0]), enums[0])
    # A value that already is one of the members stays as it is ("steps" for `IntervalStrategy | str`).
    for member in members:
        if _already(value, member):
            return value
    unknown = False
    for member in members:
        try:
            return _convert(value, member)
        except TypeMismatch:
            continue
        except _Unknown:
            unknown = True
    if unknown:
        raise _Unknown(members)
    raise TypeMismatch(" or ".join(type_name(member) for member in members))


def _already(value: Any, annotation: Any) -> bool:
    """Is `value` an instance of `annotation` as it stands (no conversion needed)?"""
    origin = get_origin(annotation)
    if annotation is NONE:
        return value is None
    if origin is Literal:
        return any(value == choice and type(value) is type(choice) for choice in get_args(annotation))
    if origin in (list, tuple, set):
        return False  # converted item by item instead
    if origin is dict:
        return isinstance(value, dict)
    if annotation in (int, float):
        return isinstance(value, annotation) and not isinstance(value, bool)
    return isinstance(annotation, type) and isinstance(value, annotation)


def _to_choice(value: Any, choices: tuple[Any, ...], annotation: Any) -> Any:
    if value in choices and not (isinstance(value, bool) and not any(isinstance(c, bool) for c in choices)):
        return value
    if isinstance(value, bool) and not value and "no" in choices:
        return "no"  # YAML reads an unquoted `no` (save_strategy: no) as false
    if isinstance(value, (int, float)) and str(value) in choices:
        return str(value)
    raise TypeMismatch(type_name(annotation))


def _to_sequence(value: Any, origin: type, args: tuple[Any, ...], annotation: Any) -> Any:
    items = list(value) if isinstance(value, (list, tuple)) else [value]  # a single value is a list of one
    if origin is tuple and args and args[-1] is not Ellipsis:
        if len(items) != len(args):
            raise TypeMismatch(type_name(annotation))
        return tuple(to_declared_type(item, arg) for item, arg in zip(items, args, strict=True))
    item_type = args[0] if args else Any
    return origin(to_declared_type(item, item_type) for item in items)


def _to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in TRUE_WORDS | FALSE_WORDS:
        return value.strip().lower() in TRUE_WORDS
    raise TypeMismatch("bool (true or false)")


def _to_int(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    number = _to_float(value, expected="int")
    if not number.is_integer():
        raise TypeMismatch("int")
    return int(number)


def _to_float(value: Any, expected: str = "float") -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            pass
    raise TypeMismatch(expected)


def _to_str(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    hint = " (YAML reads unquoted yes/no/on/off as booleans: quote the value)" if isinstance(value, bool) else ""
    raise TypeMismatch(f"str{hint}")


SCALARS = {bool: _to_bool, int: _to_int, float: _to_float, str: _to_str}
