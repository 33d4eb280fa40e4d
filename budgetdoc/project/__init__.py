"""A new data repository (init) and its skeleton files."""
