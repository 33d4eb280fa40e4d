"""The council's book: its contents, the making of it and the PDF assembly."""
