"""The budget cycle: versions to compare, the diff and its report, next year's drafts."""
