"""Running the user's commands: in the foreground with live output (`run.py`) and in the
background for servers and watchers (`background.py`).

The runners take a ready argv and environment (the sandbox builds them) and own what happens
to the processes: output merged and bounded in memory, a process group per command so a
timeout, Ctrl-C or SolCoder's exit takes the whole group down, and `PR_SET_PDEATHSIG` so even a
SIGKILLed SolCoder leaves no direct child behind (`group.py`). Only the standard library is
used, and nothing here is imported until a command runs.
"""
