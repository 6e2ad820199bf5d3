"""Agent Skills and custom slash commands: Markdown the user or the project wrote, found in
known folders at launch, offered to the model (skills) or to the user (commands).

Both are data, like AGENTS.md: nothing here returns a setting, a tool, or an approval
decision. A skill's `allowed-tools` is kept for display only. See docs/skills.md.

Modules: `reading.py` (bounded, symlink-checked reads), `frontmatter.py` (the YAML header),
`catalog.py` (skills found, precedence, problems), `prompt.py` (the capped list in the system
prompt), `files.py` (what `load_skill` returns), `slash_commands.py` (custom commands and
their `$ARGUMENTS` substitution).
"""
