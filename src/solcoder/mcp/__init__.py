"""Tools from MCP (Model Context Protocol) servers, offered to the model beside SolCoder's own.

`config` reads `[mcp.servers.NAME]` tables, `naming` gives each tool a provider-safe name,
`results` maps a tool result onto SolCoder's, `validation` checks arguments against the
server's JSON Schema, `adapter` is the only module that knows the MCP SDK, `manager` runs the
servers (lazily, in parallel, on a thread of their own) and `tools` puts their tools in the
registry. Importing this package imports none of the SDK.
"""
