"""search_files and list_files on a 20,000-file project, against plain `rg` in the same run.

The tree is generated in a temporary directory: Rust- and TypeScript-like sources in nested
directories and a .gitignore'd `target/` full of build output. Each case runs several times;
medians and the ratio to `rg PATTERN` (a subprocess, same pattern, output discarded) are
printed. Not a pass/fail test: the target is search() with ripgrep <= 1.5x plain rg. The
Python fallback is timed too, for the machine without ripgrep.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from solcoder.workspace.listing import list_files
from solcoder.workspace.search import ripgrep_path, search

RUNS = int(os.environ.get("BENCH_RUNS", "7"))
FILES = 20_000
TARGET_SHARE = 0.25
"""A quarter of the files are build output under the ignored `target/`."""

RUST = """use anchor_lang::prelude::*;

#[program]
pub mod module_{index} {{
    use super::*;
    pub fn initialize(ctx: Context<Initialize>, amount: u64) -> Result<()> {{
        let vault = &mut ctx.accounts.vault;
        vault.amount = amount.checked_add({index}).ok_or(ErrorCode::Overflow)?;
        Ok(())
    }}
}}
"""
TYPESCRIPT = """import * as anchor from "@coral-xyz/anchor";

export async function run{index}(program: anchor.Program): Promise<void> {{
  const tx = await program.methods.initialize(new anchor.BN({index})).rpc();
  console.log("signature", tx);
}}
"""


def build_tree(root: Path) -> None:
    (root / ".gitignore").write_text("target/\nnode_modules/\n")
    (root / "Cargo.toml").write_text('[workspace]\nmembers = ["programs/*"]\n')
    ignored = int(FILES * TARGET_SHARE)
    for index in range(FILES - ignored):
        group, sub = divmod(index, 100)
        if index % 2:
            path = root / "app" / f"feature{group}" / f"part{sub % 5}" / f"run{index}.ts"
            text = TYPESCRIPT.format(index=index)
        else:
            path = root / "programs" / f"prog{group}" / "src" / f"m{sub % 7}" / f"mod{index}.rs"
            text = RUST.format(index=index)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    for index in range(ignored):
        path = root / "target" / "debug" / f"deps{index // 200}" / f"out{index}.rs"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(RUST.format(index=index))


def median(action: Callable[[], object]) -> float:
    samples = []
    for _ in range(RUNS):
        started = time.perf_counter()
        action()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def main() -> None:
    executable = ripgrep_path()
    if executable is None:
        sys.exit("ripgrep is not installed; this benchmark compares against it")
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory).resolve()
        build_tree(root)
        print(
            f"workspace search, {FILES:,} files ({TARGET_SHARE:.0%} ignored), median of "
            f"{RUNS} runs ({os.cpu_count()} cores, Python {sys.version.split()[0]})"
        )
        print(f"{'case':<48} {'median':>9} {'× rg':>7}")
        for pattern in ("checked_add\\(1234\\)", "ErrorCode", "no_such_identifier_anywhere"):

            def plain(pattern: str = pattern) -> None:
                subprocess.run(
                    [executable, pattern],
                    cwd=root,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    check=False,
                )

            baseline = median(plain)
            cases = {
                f"rg {pattern!r} (baseline)": baseline,
                "  search(), ripgrep": median(lambda p=pattern: search(root, p)),
                "  search(), python": median(lambda p=pattern: search(root, p, engine="python")),
            }
            for name, value in cases.items():
                print(f"{name:<48} {value * 1000:>7.1f}ms {value / baseline:>6.2f}×")
        files_baseline = median(
            lambda: subprocess.run(
                [executable, "--files"], cwd=root, stdout=subprocess.DEVNULL, check=False
            )
        )
        listing = {
            "rg --files (baseline)": files_baseline,
            "  list_files(), ripgrep": median(lambda: list_files(root)),
            "  list_files(), python": median(lambda: list_files(root, engine="python")),
            "  list_files('**/*.rs'), ripgrep": median(lambda: list_files(root, pattern="**/*.rs")),
        }
        for name, value in listing.items():
            print(f"{name:<48} {value * 1000:>7.1f}ms {value / files_baseline:>6.2f}×")


if __name__ == "__main__":
    main()
