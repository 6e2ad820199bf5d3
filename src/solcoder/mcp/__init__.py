"""Tools from MCP (Model Context Protocol) servers, offered to the model beside SolCoder's own.

`config` reads `[mcp.servers.NAME]` tables, `naming` gives each tool a provider-safe name,
`results` maps a tool result onto SolCoder's, `validation` checks arguments against the
server's JSON Schema, `adapter` is the module that knows the MCP SDK (with `stdio`, SolCoder's
own bounded stdio transport, which it imports), `manager` runs the servers (lazily, in
parallel, on a thread of their own), `problems` tells what servers get wrong once per kind,
`reaper` ends their process groups on SIGTERM/SIGHUP, and `tools` puts their tools in the
registry. Importing this package imports none of the SDK.
"""
