"""Running the project's commands for the agent: the sandbox, the runner, checkpoints and the
Solana build-test loop put together (`context.py`), behind thin tool adapters
(`tools/commands.py`). Loaded when a command first runs, never at launch."""
