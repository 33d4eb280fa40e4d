"""budgetdoc: budget project explanations (사업설명서) from YAML, checked, as HTML and PDF."""

__version__ = "0.1.0"

# The PDF standards a document or book can be made to (WeasyPrint's names).
PDF_VARIANTS = ("pdf/a-2b", "pdf/a-3b", "pdf/ua-1")
