"""The faults a command turns into an exit code instead of a traceback."""


class BuildError(Exception):
    """A build that cannot start (bad arguments)."""


class OutputError(Exception):
    """An output that cannot be written: the user's disk, not a bug (exit 2, one line)."""


class TemplateError(Exception):
    """The templates cannot render (a template bug, a resource that cannot be loaded): exit 3."""


class BookError(Exception):
    """A book that cannot be made (no documents, a part that failed to render, bad options)."""
