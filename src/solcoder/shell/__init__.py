"""Shell commands: judged before they run, then run and watched.

Judging (pure, standard library only): `run_command` hands a string to `bash -c`, so an
approval has to be about the programs that string really starts, not about the tool: `cargo
test*` may be allowed while `solana program deploy` asks. `parse` reads the subset of bash
that agents write, `shape` flags what cannot be judged from the words alone, `readonly` is the
built-in list that runs unasked, and `commands` is what the approval policy calls (rule
matching, the "always" suggestion, the question's lines).

Running: in the foreground with live output (`run.py`) and in the background for servers and
watchers (`background.py`). The runners take a ready argv and environment (the sandbox builds
them) and own what happens to the processes: output merged and bounded in memory, a process
group per command so a timeout, Ctrl-C or SolCoder's exit takes the whole group down, and
`PR_SET_PDEATHSIG` so even a SIGKILLed SolCoder leaves no direct child behind (`group.py`).
Nothing here is imported until a command is judged or run.
"""
