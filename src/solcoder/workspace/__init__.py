"""The user's project as SolCoder's tools see it: one root, path rules, text files, edits,
search, and checkpoints that make every change undoable.

Everything a tool reads or changes on disk goes through this room (`paths.Workspace` first),
so the rules are written once: nothing outside the root is read or changed, secrets are not
read without asking, and the user's `.git` is never touched.
"""
