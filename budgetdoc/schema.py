"""The JSON Schema of the YAML data format, derived from the model."""

from __future__ import annotations

import json
from typing import Any

from .model import Project

SCHEMA_ID = "https://budgetdoc.invalid/schema/project.schema.json"


def schema() -> dict[str, Any]:
    """The JSON Schema of a project file, from the model."""
    data = Project.model_json_schema(mode="validation")
    data["$id"] = SCHEMA_ID
    data["description"] = "예산 사업설명서 한 건 (사업 하나당 YAML 파일 하나)"
    return data


def schema_json() -> str:
    """The JSON Schema as the text written to ``schema/project.schema.json``."""
    return json.dumps(schema(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"
