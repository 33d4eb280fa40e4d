"""The workbook: its form, the reader and the writer."""
