"""The one family of errors the engine raises, each with the exit code a command ends with.

Every error the commands turn into a message instead of a traceback derives from
:class:`BudgetdocError`, which carries its one-line message and its exit code; the command
line maps the whole family to click in one place (``generate.py``). Anything else that
escapes is a bug in the tool (exit 3, with its traceback).

Exit codes: 0 success; 1 data problems (a document does not add up, malformed input);
2 usage errors and input or output that cannot be used; 3 the templates cannot render
(a template bug or a resource they cannot load), or a bug in the tool itself.
"""

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, EXIT_BUG = 0, 1, 2, 3


class BudgetdocError(Exception):
    """An error the command reports in one line (or, with problems, one line per problem) and exits with."""

    exit_code = EXIT_USAGE
    prefixed = True  # shown as "오류: message"; False: the message's lines as they are


def code_for(errors: bool, unreadable: bool) -> int:
    """The exit code of a command that read data files: 2 when one could not be read, 1 for errors, else 0."""
    return EXIT_USAGE if unreadable else EXIT_PROBLEMS if errors else EXIT_OK


class UsageError(BudgetdocError):
    """Arguments a command cannot start with: a path that does not exist, an unknown format (exit 2, with usage)."""


class OutputError(BudgetdocError):
    """An output that cannot be written: the user's disk, not a bug (exit 2, one line)."""


class RenderError(BudgetdocError):
    """The documents cannot be rendered on this machine: a missing font, templates (exit 2)."""


class TemplateError(BudgetdocError):
    """The templates cannot render (a template bug, a resource that cannot be loaded): exit 3."""

    exit_code = EXIT_BUG
    prefixed = False


class BookError(BudgetdocError):
    """A book that cannot be made (no documents, a part that failed to render, bad options): exit 2."""


class NoData(BudgetdocError):
    """No data where the command looked: an empty folder, a workbook with no project filled in (exit 2)."""
