"""Where a model-written command may run: a policy turned into a launch plan.

A command the model wrote must not read the user's keys (a Solana keypair signs real SOL), phone
home, or write outside the project. `policy.py` says what it may touch, `secret_scan.py` finds
the workspace's secret files, `bwrap.py` (Linux) and `seatbelt.py` (macOS) turn the policy into
a sandbox's command line, `environment.py` drops secrets from the environment, and
`launcher.py` puts them together (`plan_launch`, `describe`). Nothing is imported here, so
importing the package costs nothing until a command runs; see docs/sandbox.md.
"""
