"""budgetdoc: budget project explanations (사업설명서) from YAML, checked, as HTML and PDF."""

__version__ = "0.1.0"
