"""The workspace tools the model calls: read_file, list_files, search_files, edit_file,
write_file. Their names and arguments are a contract (users write them in approval rules).

Thin adapters over `WorkspaceSession`: each declares a JSON Schema as written (checked by
`tools.validation`, as MCP tools are, so offering them builds no pydantic model at start-up),
an effect, and for the calls that need it an assessment before approval: a read of a secret
asks first, an edit shows its diff, and an edit that cannot succeed is answered at once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from solcoder.records import shared_methods
from solcoder.tools.effects import Effect
from solcoder.tools.registry import Assessment, ToolOutput
from solcoder.tools.validation import DeclaredTool
from solcoder.workspace.refusal import Refused

if TYPE_CHECKING:
    from solcoder.tools.registry import ToolRegistry
    from solcoder.workspace.session import WorkspaceSession

TOOLKIT: Final = "workspace"
EDIT_TOOLS: Final = frozenset({"edit_file", "write_file", "scaffold_program"})
"""The tools an "always" for edits and `--approve-edits` cover."""
MAX_DIFF_FOR_MODEL = 4000

Action = Callable[["WorkspaceSession", Mapping[str, Any]], ToolOutput]
Assessor = Callable[["WorkspaceSession", Mapping[str, Any]], Assessment]


@shared_methods
@dataclass(frozen=True, slots=True, eq=False, repr=False)
class WorkspaceTool(DeclaredTool):
    """A workspace tool as the registry offers it: spec, effect, and its function."""

    name: str
    description: str
    json_schema: Mapping[str, Any]
    effect: Effect
    session: WorkspaceSession = field(repr=False)
    action: Action = field(repr=False)
    assessor: Assessor | None = field(default=None, repr=False)
    timeout: float | None = None

    @property
    def toolkit(self) -> str:
        return TOOLKIT

    def assess(self, arguments: Mapping[str, Any]) -> Assessment:
        if self.assessor is None:
            return Assessment(self.effect)
        return self.assessor(self.session, arguments)

    async def run(self, arguments: Mapping[str, Any]) -> ToolOutput:
        import asyncio

        return await asyncio.to_thread(self._run, dict(arguments))

    def _run(self, arguments: Mapping[str, Any]) -> ToolOutput:
        try:
            return self.action(self.session, arguments)
        except Refused as error:
            return ToolOutput(f"Error: {error}", is_error=True)


# -- the operations ----------------------------------------------------------------------


def _read(session: WorkspaceSession, arguments: Mapping[str, Any]) -> ToolOutput:
    return ToolOutput(
        session.read(arguments["path"], arguments.get("offset", 1), arguments.get("limit"))
    )


def _assess_read(session: WorkspaceSession, arguments: Mapping[str, Any]) -> Assessment:
    return Assessment("reads_secrets" if session.secret_reason(arguments["path"]) else "read_only")


def _list(session: WorkspaceSession, arguments: Mapping[str, Any]) -> ToolOutput:
    from solcoder.workspace.listing import list_files

    base = session.resolve(arguments.get("path") or ".")
    if not base.absolute.is_dir():
        raise Refused(f"`{base.relative}` is not a directory; read_file reads a file.")
    listing = list_files(session.root, base=base.absolute, pattern=arguments.get("pattern"))
    return ToolOutput(listing.render())


def _search(session: WorkspaceSession, arguments: Mapping[str, Any]) -> ToolOutput:
    from solcoder.workspace.paths import search_excludes
    from solcoder.workspace.search import SearchError, search

    base = session.resolve(arguments.get("path") or ".")
    if not base.absolute.exists():
        raise Refused(f"`{base.relative}` does not exist; list_files shows what is there.")
    try:
        result = search(
            session.root,
            arguments["pattern"],
            base=base.absolute,
            glob=arguments.get("glob"),
            exclude=search_excludes(),
            skip=lambda relative: session.secret_reason(relative) is not None,
        )
    except SearchError as error:
        raise Refused(str(error)) from None
    return ToolOutput(result.render())


def _edit(session: WorkspaceSession, arguments: Mapping[str, Any]) -> ToolOutput:
    with session.locked():
        target, before, after, line = session.plan_edit(
            arguments["path"],
            arguments["old_text"],
            arguments["new_text"],
            bool(arguments.get("replace_all", False)),
        )
        change = session.apply(target, before, after)
    return ToolOutput(
        f"Edited `{change.path}` at line {line} (+{change.added} -{change.removed}).\n"
        + _diff_for_model(change.diff),
        changes=(change,),
    )


def _assess_edit(session: WorkspaceSession, arguments: Mapping[str, Any]) -> Assessment:
    try:
        target, before, after, _ = session.plan_edit(
            arguments["path"],
            arguments["old_text"],
            arguments["new_text"],
            bool(arguments.get("replace_all", False)),
        )
    except Refused as error:
        return Assessment("writes_files", problem=str(error))
    preview = session.preview(target.relative, before, after).diff
    return Assessment(_write_effect(target.relative), preview=preview)


def _write_effect(relative: str) -> Effect:
    """A change under `.solcoder/` (the project's config: hooks, approval rules) is asked for
    each time: the model must not quietly give itself a hook or a looser rule."""
    first = relative.split("/", 1)[0].lower()
    return "writes_settings" if first == ".solcoder" else "writes_files"


def _write(session: WorkspaceSession, arguments: Mapping[str, Any]) -> ToolOutput:
    with session.locked():
        target, before, after = session.plan_write(arguments["path"], arguments["content"])
        if before == after:
            return ToolOutput(f"`{target.relative}` already has exactly this content.")
        change = session.apply(target, before, after)
    verb = "Created" if change.change == "created" else "Replaced"
    lines = after.count(b"\n") + (0 if after.endswith(b"\n") or not after else 1)
    return ToolOutput(
        f"{verb} `{change.path}` ({lines} lines, +{change.added} -{change.removed}).",
        changes=(change,),
    )


def _assess_write(session: WorkspaceSession, arguments: Mapping[str, Any]) -> Assessment:
    try:
        target, before, after = session.plan_write(arguments["path"], arguments["content"])
    except Refused as error:
        return Assessment("writes_files", problem=str(error))
    preview = session.preview(target.relative, before, after).diff
    return Assessment(_write_effect(target.relative), preview=preview)


def _diff_for_model(diff: str) -> str:
    if len(diff) <= MAX_DIFF_FOR_MODEL:
        return diff
    return diff[:MAX_DIFF_FOR_MODEL] + "\n… (diff cut; read_file shows the result)"


# -- schemas and descriptions (the contract) -------------------------------------------

_PATH = {"type": "string", "description": "A path relative to the workspace root."}


def _object(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": False,
    }


def workspace_tools(session: WorkspaceSession) -> list[WorkspaceTool]:
    """The five tools over `session`."""
    return [
        WorkspaceTool(
            "read_file",
            "Read a text file of the workspace, as numbered lines (at most 2,000 lines or "
            "256 KB per call; a note says how to read on with offset). Read a file before "
            "editing it: edits are checked against what you read.",
            _object(
                {
                    "path": _PATH,
                    "offset": {
                        "type": "integer",
                        "minimum": 1,
                        "description": "First line to show (1-based; default 1).",
                    },
                    "limit": {
                        "type": "integer",
                        "minimum": 1,
                        "description": "How many lines to show (default and maximum 2000).",
                    },
                },
                ["path"],
            ),
            "read_only",
            session,
            _read,
            _assess_read,
        ),
        WorkspaceTool(
            "list_files",
            "List the workspace's files (respecting .gitignore), shallow paths first. Use a "
            "glob pattern such as `**/*.rs` or `Anchor.toml` to narrow.",
            _object(
                {
                    "path": {**_PATH, "description": "A directory to list (default: the root)."},
                    "pattern": {
                        "type": "string",
                        "description": "A glob over paths: `*.toml`, `programs/**/*.rs`.",
                    },
                },
                [],
            ),
            "read_only",
            session,
            _list,
        ),
        WorkspaceTool(
            "search_files",
            "Search file contents with a regular expression (Rust regex syntax, "
            "case-sensitive; .gitignore respected). Answers `path:line:text` lines. Search "
            "before guessing where something is defined.",
            _object(
                {
                    "pattern": {"type": "string", "description": "The regular expression."},
                    "path": {**_PATH, "description": "A directory or file to search in."},
                    "glob": {
                        "type": "string",
                        "description": "Only files matching this glob, like `*.rs`.",
                    },
                },
                ["pattern"],
            ),
            "read_only",
            session,
            _search,
        ),
        WorkspaceTool(
            "edit_file",
            "Replace exact text in a file you have read in this session. `old_text` must "
            "match the file exactly (whitespace included) and once, unless replace_all; "
            "include a few surrounding lines to make it unique. Keep edits small: one "
            "change per call. The user sees the diff and may decline it.",
            _object(
                {
                    "path": _PATH,
                    "old_text": {"type": "string", "description": "The exact text to replace."},
                    "new_text": {"type": "string", "description": "The text to put instead."},
                    "replace_all": {
                        "type": "boolean",
                        "description": "Replace every occurrence (default false).",
                    },
                },
                ["path", "old_text", "new_text"],
            ),
            "writes_files",
            session,
            _edit,
            _assess_edit,
        ),
        WorkspaceTool(
            "write_file",
            "Create a file with this content, or replace the whole content of a file you "
            "have read in this session. Prefer edit_file for changes to an existing file.",
            _object(
                {
                    "path": _PATH,
                    "content": {"type": "string", "description": "The complete new content."},
                },
                ["path", "content"],
            ),
            "writes_files",
            session,
            _write,
            _assess_write,
        ),
    ]


def attach_workspace_tools(registry: ToolRegistry, session: WorkspaceSession | None) -> None:
    """Offer the workspace tools in `registry` (none without a workspace)."""
    if session is None:
        return
    for tool in workspace_tools(session):
        registry.add_external(tool)
