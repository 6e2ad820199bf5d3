"""What SolCoder knows about Solana projects, apart from running anything.

The build-test loop needs three pure pieces: what the workspace is and which commands build
and test it (`project`), what the compiler and the test runners printed (`diagnostics`,
`testrun`, `program_errors`), and what known Solana and Anchor errors mean
(`error_catalog`). Running the commands belongs to the tools above; keeping this package free
of I/O beyond reading manifests lets it sit below `tools/` (layer 2, like `workspace/`) and be
tested on real compiler output without a sandbox. Importing the package loads nothing.
"""
