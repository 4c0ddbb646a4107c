"""Errors a user can cause: the CLI shows them as one line, never a traceback."""


class ReportageError(Exception):
    """A problem with the user's input or set-up, explained in one line."""


class IndexNotUpdated(ReportageError):
    """The edit or episode was saved and published; only the search index could not follow."""
