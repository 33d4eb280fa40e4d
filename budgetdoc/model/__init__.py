"""The document model: typed records, value types, numbers, figures and the JSON Schema."""
