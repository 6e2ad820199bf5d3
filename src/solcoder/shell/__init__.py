"""Shell commands the model asks to run, judged before they run.

`run_command` hands a string to `bash -c`, so an approval has to be about the programs that
string really starts, not about the tool: `cargo test*` may be allowed while `solana program
deploy` asks. The modules here are pure (no I/O, nothing heavier than the standard library):
`parse` reads the subset of bash that agents write, `shape` flags what cannot be judged from
the words alone, `readonly` is the built-in list that runs unasked, and `commands` is what
the approval policy calls (rule matching, the "always" suggestion, the question's lines).
"""
