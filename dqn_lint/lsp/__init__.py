"""`dqn-lint server`: findings, fixes and rule pages in the editor, over the Language Server Protocol.

Built on pygls and lsprotocol (the `lsp` extra). The server lints through the same pipeline as
`check` (`linting.lint_one`, the project around the file included, with the editor's unsaved
buffers in place of the files on disk), and never imports torch.
"""
