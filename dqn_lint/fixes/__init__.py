"""Autofixes: text edits applied to a file's source, checked, and written atomically."""
