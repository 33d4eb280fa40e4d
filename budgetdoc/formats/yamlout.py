"""Project data as YAML text, written like the shipped data files.

Block style, keys in the order given, Korean unescaped, no anchors; a :class:`Flow`
mapping is written on one line and a ``Decimal`` as the number it is.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import yaml


class Flow(dict[str, Any]):
    """A mapping written on one line (flow style): persons, the 계 row, settlement rows."""


class _Dumper(yaml.SafeDumper):  # type: ignore[misc]  # PyYAML has no type information here
    """Block style like the shipped data files; double quotes where YAML needs quoting."""

    def ignore_aliases(self, data: Any) -> bool:
        return True

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)

    def choose_scalar_style(self) -> str:
        style: str = super().choose_scalar_style()
        value = self.event.value
        if style == "'" and '"' not in value and "\\" not in value:
            return '"'
        return style


def _represent_flow(dumper: yaml.SafeDumper, data: Flow) -> yaml.Node:
    return dumper.represent_mapping("tag:yaml.org,2002:map", data, flow_style=True)


def _represent_decimal(dumper: yaml.SafeDumper, value: Decimal) -> yaml.Node:
    text = format(value, "f")
    tag = "int" if "." not in text else "float"
    return dumper.represent_scalar(f"tag:yaml.org,2002:{tag}", text)


_Dumper.add_representer(Flow, _represent_flow)
_Dumper.add_representer(Decimal, _represent_decimal)


def dump(data: dict[str, Any]) -> str:
    """Project data as tidy YAML: keys in the order given, Korean unescaped, no anchors."""
    text: str = yaml.dump(
        data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=10**9, default_flow_style=False
    )
    return text


def leading_comments(text: str) -> str:
    """The comment lines a YAML file starts with (the editor's schema line), to keep them in a rewrite."""
    lines = []
    for line in text.splitlines(keepends=True):
        if not line.startswith("#"):
            break
        lines.append(line if line.endswith("\n") else line + "\n")
    return "".join(lines)
