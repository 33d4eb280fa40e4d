"""Reading and writing the data: files found and read once, YAML, published text, workbooks."""
