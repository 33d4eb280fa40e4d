"""The JSON Schema of the YAML data format, generated from the model.

Only standard JSON Schema 2020-12 keywords are used (``type``, ``minimum``/``maximum``,
``pattern``, ``enum``, ``required``, ``additionalProperties: false``), so
every validator enforces the same thing and ajv's strict mode accepts it. The loader keeps
every scalar as the text that was typed and the model's field types decide what it means;
a validator sees what its own YAML parser made of it, so each field type takes both
forms: an amount is an integer in range or a string written as ``check`` reads it
(``6,623``, ``△3,877``).

What a schema cannot say (sums, differences, rates, formulas, year sequences, a reversed
period, duplicate keys, anchors, numbers that the validator's YAML parser turns into the
same value as a correct one) is left to ``check``: see the README.
"""

from __future__ import annotations

import json
import os
import types
import typing
from pathlib import Path, PurePosixPath
from typing import Any, Literal, get_args, get_origin

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from budgetdoc.model import document as model
from budgetdoc.model import numbers
from budgetdoc.model.types import parse_amount_field, parse_rate_field, parse_text_field, parse_year_field

DIALECT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_ID = "https://budgetdoc.invalid/schema/project.schema.json"
SCHEMA_FILE = PurePosixPath("schema/project.schema.json")
"""Where the schema stands in this repository and in a data repository made by ``init``."""

SIGNED_AMOUNTS = {
    (model.BudgetItem, "change"),
    (model.BudgetTotal, "change"),
    (model.SettlementRow, "change"),
    (model.BasisLine, "amount"),
    (model.BasisPart, "amount"),
}
"""Amounts that may be negative (증감, 예산변경, a 산출근거 line's reduction); every other is 0 or more."""

SECTION_RECORDS = (model.Project, model.Description, model.Schedule, model.Effects)
"""The records whose lists, mappings and records are the sections of the form: each must be
written, explicitly empty when it does not apply (``settlement: []``, ``schedule: {rows: []}``)."""

NOT_SECTIONS = {(model.Project, "conventions")}
"""Fields of those records that are not parts of the form (the document's conventions)."""

_MAX = 10**numbers.MAX_DIGITS - 1
_SIGN = r"(?:[-△−▲]\s*)"
_GROUPS = numbers.MAX_DIGITS // 3 - 1  # groups of three after the first one to three digits
_DIGITS = rf"(?:[1-9][0-9]{{0,{numbers.MAX_DIGITS - 1}}}|[0-9]{{1,3}}(?:,[0-9]{{3}}){{1,{_GROUPS}}})"
_ZERO = rf"(?:0|0{{1,3}}(?:,000){{1,{_GROUPS}}})"


def _range_pattern(lo: int, hi: int) -> str:
    """A regular expression for the decimal integers ``lo``..``hi`` (no leading zeros)."""
    if lo > hi:
        raise ValueError((lo, hi))
    parts: list[str] = []
    while lo <= hi:
        # the largest block lo..lo+10^k-1 that is aligned and fits below hi
        k = 0
        while lo % 10 ** (k + 1) == 0 and lo + 10 ** (k + 1) - 1 <= hi and lo != 0:
            k += 1
        if lo == 0:
            parts.append("0")
            lo = 1
            continue
        head = str(lo)[: len(str(lo)) - k]
        parts.append(head + ("[0-9]" * k if k < 2 else f"[0-9]{{{k}}}"))
        lo += 10**k
    return "(?:" + "|".join(parts) + ")"


def _either(number: dict[str, Any], pattern: str, description: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"anyOf": [number, {"type": "string", "pattern": rf"^\s*{pattern}\s*$"}]}
    if description:
        out["description"] = description
    return out


def amount(signed: bool) -> dict[str, Any]:
    """An amount in 천원: an integer, or the text ``check`` reads (``6,623``, ``△3,877``)."""
    if signed:
        return _either(
            {"type": "integer", "minimum": -_MAX, "maximum": _MAX},
            rf"{_SIGN}?(?:{_DIGITS}|{_ZERO})",
            "금액(천원), 정수; 음수는 △ (예: △3,877)",
        )
    return _either(
        {"type": "integer", "minimum": 0, "maximum": _MAX},
        rf"(?:{_DIGITS}|{_SIGN}?{_ZERO})",
        "금액(천원), 0 이상의 정수 (예: 6,623)",
    )


def rate() -> dict[str, Any]:
    """A rate in %: a number, or the text ``check`` reads (``1,853``, ``△36.9``)."""
    return _either(
        {"type": "number", "exclusiveMinimum": -(10**numbers.MAX_DIGITS), "exclusiveMaximum": 10**numbers.MAX_DIGITS},
        rf"{_SIGN}?(?:{_DIGITS}|{_ZERO})(?:\.[0-9]{{1,{numbers.MAX_DECIMALS}}})?",
        "증감률(%), 예: 1,853 또는 △36.9",
    )


def integer(lo: int, hi: int, description: str | None = None) -> dict[str, Any]:
    """A whole number ``lo``..``hi``, as an integer or as its digits (``"2024"``)."""
    return _either({"type": "integer", "minimum": lo, "maximum": hi}, _range_pattern(lo, hi), description)


def text(min_length: int) -> dict[str, Any]:
    """Text: what the YAML parser may also read as a number or true/false is text too."""
    string: dict[str, Any] = {"type": "string"}
    if min_length:
        string["minLength"] = min_length
    description = "글 (비워 둘 수 없음)" if min_length else "글 (비워 둘 수 있음)"
    return {"anyOf": [string, {"type": "number"}, {"type": "boolean"}], "description": description}


# --------------------------------------------------------------------------- the model walk


def _validator(metadata: list[Any]) -> Any:
    for m in metadata:
        func = getattr(m, "func", None)
        if func is not None:
            return func
    return None


def _bounds(metadata: list[Any]) -> tuple[int | None, int | None, int]:
    lo = hi = None
    min_length = 0
    for m in metadata:
        lo = getattr(m, "ge", lo)
        hi = getattr(m, "le", hi)
        min_length = getattr(m, "min_length", None) or min_length
    return lo, hi, min_length


def _annotated(annotation: Any) -> tuple[Any, list[Any]]:
    if get_origin(annotation) is typing.Annotated:
        base, *metadata = get_args(annotation)
        flat: list[Any] = []
        for m in metadata:
            flat.extend(m.metadata if isinstance(m, FieldInfo) else [m])
        return base, flat
    return annotation, []


class _Walk:
    def __init__(self) -> None:
        self.defs: dict[str, dict[str, Any]] = {}

    def type_schema(self, annotation: Any, metadata: list[Any], signed: bool) -> dict[str, Any]:
        base, more = _annotated(annotation)
        metadata = [*metadata, *more]
        origin = get_origin(base)
        if origin in (typing.Union, types.UnionType):
            options = [a for a in get_args(base) if a is not type(None)]
            inner = self.type_schema(options[0], metadata, signed) if len(options) == 1 else {}
            if type(None) in get_args(base):
                return {"anyOf": [inner, {"type": "null"}]}
            return inner
        if origin is list:
            (item,) = get_args(base)
            out: dict[str, Any] = {"type": "array", "items": self.type_schema(item, [], signed)}
            _, _, min_items = _bounds(metadata)
            if min_items:
                out["minItems"] = min_items
            return out
        if origin is dict:
            key, value = get_args(base)
            key_schema = self.type_schema(key, [], False)
            key_schema = self.defs[key_schema["$ref"].rsplit("/", 1)[1]] if "$ref" in key_schema else key_schema
            key_pattern = key_schema["anyOf"][1]["pattern"]
            return {
                "type": "object",
                "propertyNames": {"type": "string", "pattern": key_pattern},
                "additionalProperties": self.type_schema(value, [], signed),
            }
        if origin is Literal:
            return {"type": "string", "enum": list(get_args(base))}
        if isinstance(base, type) and issubclass(base, BaseModel):
            return {"$ref": "#/$defs/" + self.record(base)}
        func = _validator(metadata)
        lo, hi, min_length = _bounds(metadata)
        if func is parse_amount_field:
            return self.atom("SignedAmount" if signed else "Amount", amount(signed))
        if func is parse_rate_field:
            return self.atom("Rate", rate())
        if func is parse_year_field:
            lo, hi = (lo if lo is not None else 0), (hi if hi is not None else _MAX)
            if (lo, hi) == (1900, 2200):
                return self.atom("Year", integer(lo, hi, "연도 (1900~2200)"))
            return integer(lo, hi)
        if func is parse_text_field:
            return self.atom("Text" if min_length else "OptionalText", text(min_length))
        raise TypeError(f"no JSON Schema for {annotation!r}")

    def atom(self, name: str, schema: dict[str, Any]) -> dict[str, Any]:
        self.defs[name] = schema
        return {"$ref": "#/$defs/" + name}

    def record(self, cls: type[BaseModel]) -> str:
        name = cls.__name__
        if name in self.defs:
            return name
        self.defs[name] = {}  # reserved while the fields are walked
        self.defs[name] = self.object_schema(cls)
        return name

    def object_schema(self, cls: type[BaseModel]) -> dict[str, Any]:
        properties: dict[str, Any] = {}
        required: list[str] = []
        for field, info in cls.model_fields.items():
            schema = self.type_schema(info.annotation, list(info.metadata), (cls, field) in SIGNED_AMOUNTS)
            if info.description:
                schema = {**schema, "description": info.description}
            default = None if info.is_required() else info.get_default(call_default_factory=True)
            if isinstance(default, (str, int)) and not isinstance(default, bool):
                schema = {**schema, "default": default}  # what check assumes when it is left out
            properties[field] = schema
            if is_required(cls, field):
                required.append(field)
        out: dict[str, Any] = {"type": "object", "additionalProperties": False, "properties": properties}
        if cls.__doc__:
            out["description"] = cls.__doc__.strip().splitlines()[0]
        if required:
            out["required"] = required
        return out


def is_required(cls: type[BaseModel], field: str) -> bool:
    """A field without a default, or a section of the form (a list, mapping or record)."""
    info = cls.model_fields[field]
    if info.is_required():
        return True
    if cls not in SECTION_RECORDS or (cls, field) in NOT_SECTIONS:
        return False
    default = info.get_default(call_default_factory=True)
    return isinstance(default, (list, dict, BaseModel))


def schema() -> dict[str, Any]:
    """The JSON Schema of a project file, from the model."""
    walk = _Walk()
    root = walk.object_schema(model.Project)
    out: dict[str, Any] = {
        "$schema": DIALECT,
        "$id": SCHEMA_ID,
        "title": "사업설명서",
        "description": "예산 사업설명서 한 건 (사업 하나당 YAML 파일 하나)",
        **{k: v for k, v in root.items() if k != "description"},
        "$defs": dict(sorted(walk.defs.items())),
    }
    return out


def schema_json() -> str:
    """The JSON Schema as the text written to ``schema/project.schema.json``."""
    return json.dumps(schema(), ensure_ascii=False, indent=2) + "\n"


def modeline(data_file: Path, schema_file: Path) -> str:
    """The first line of a data file that points editors at the schema, as a relative path."""
    rel = Path(os.path.relpath(schema_file.resolve(), data_file.resolve().parent))
    return f"# yaml-language-server: $schema={rel.as_posix()}"


def find_schema(data_file: Path) -> Path | None:
    """``schema/project.schema.json`` in the folder of ``data_file`` or the nearest one above."""
    folder = data_file.resolve().parent
    for candidate in (folder, *folder.parents):
        path = candidate / SCHEMA_FILE
        if path.is_file():
            return path
    return None


def with_modeline(text: str, data_file: Path) -> str:
    """``text`` with the ``$schema`` line first when a schema stands beside or above ``data_file``."""
    found = find_schema(data_file)
    if found is None or text.startswith("# yaml-language-server:"):
        return text
    return modeline(data_file, found) + "\n" + text
