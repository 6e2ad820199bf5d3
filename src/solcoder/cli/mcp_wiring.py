"""Where MCP servers meet the rest of SolCoder: a manager from the settings (with bearer
tokens from the credentials store) and its tools attached to a registry. Kept apart from
`build.py` so the wiring is two small functions to merge, not edits across the builder."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from solcoder.config import Settings
    from solcoder.credentials.store import CredentialStore
    from solcoder.mcp.manager import McpManager
    from solcoder.tools.registry import ToolRegistry


def mcp_manager(settings: Settings, *, only: str | None = None) -> McpManager | None:
    """The user's `[mcp.servers.*]` (or just server `only`) as a manager, nothing started;
    None without any. The MCP SDK itself waits for the first start."""
    tables = settings.mcp_servers
    if only is not None:
        tables = {only: tables[only]} if only in tables else {}
    if not tables:
        return None
    from solcoder.mcp.config import credential_name, parse_servers
    from solcoder.mcp.manager import McpManager

    servers, problems = parse_servers(tables)

    stores: list[CredentialStore] = []  # opened once, for the first server with a token

    def bearer(name: str) -> str | None:
        from solcoder.credentials.store import open_store
        from solcoder.errors import StorageError
        from solcoder.redact import add_secret

        try:
            if not stores:
                stores.append(open_store(settings))
            secret = stores[0].get(credential_name(name))
        except StorageError:
            return None
        add_secret(secret)  # masked wherever it could be echoed
        return secret.reveal() if secret is not None else None

    return McpManager(
        servers, startup_timeout=settings.mcp.startup_timeout, bearer=bearer, problems=problems
    )


def attach_mcp_tools(registry: ToolRegistry, manager: McpManager | None) -> None:
    """Offer the servers' tools through `registry` (they join at the first request)."""
    if manager is None:
        return
    from solcoder.mcp.tools import McpToolSource

    registry.attach_source(McpToolSource(manager))
