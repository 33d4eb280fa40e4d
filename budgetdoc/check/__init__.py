"""The checks: rules over a document and its figures, and the problem reports."""
