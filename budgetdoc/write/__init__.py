"""The printed document: one layout, HTML and PDF, PDF tags, web fonts, HWPX."""
