"""What skills and custom commands cost a launch: one offline turn (`-p hi --offline-mode`)
in a project without any, with one skill, and with 50 skills and 10 commands, against
`python -c pass` and the no-skills run, measured in the same run.

Without skills a launch lists three folders and imports nothing else; with one, PyYAML is
imported and each SKILL.md parsed. Medians of wall time and of the child's CPU time (user +
system: steadier on a shared machine). `BASELINE_SRC=/path/to/other/src` adds the no-skills
run of another checkout (say, main before skills) for an A/B in the same run. Not a
pass/fail test (docs/skills.md).
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RUNS = int(os.environ.get("BENCH_RUNS", "9"))
SOLCODER = str(Path(sys.executable).with_name("solcoder"))


def project(root: Path, skills: int, commands: int) -> Path:
    (root / ".git").mkdir(parents=True)
    for number in range(skills):
        folder = root / ".agents" / "skills" / f"skill-{number:02d}"
        folder.mkdir(parents=True)
        (folder / "SKILL.md").write_text(
            f'---\nname: skill-{number:02d}\ndescription: "Skill {number}: Anchor accounts, '
            'PDAs and CPIs; use when writing Solana programs."\n---\n# Body\nSteps.\n',
            encoding="utf-8",
        )
    for number in range(commands):
        folder = root / ".solcoder" / "commands"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"cmd-{number}.md").write_text(
            "---\ndescription: A command\n---\nDo $1.\n", encoding="utf-8"
        )
    return root


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def medians(command: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float]:
    """(wall, CPU) medians over RUNS fresh processes."""
    samples = []
    cpu = []
    for _ in range(RUNS):
        before = _cpu()
        started = time.perf_counter()
        subprocess.run(
            command,
            check=True,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        samples.append(time.perf_counter() - started)
        cpu.append(_cpu() - before)
    return statistics.median(samples), statistics.median(cpu)


def main() -> None:
    with tempfile.TemporaryDirectory() as temporary:
        base = Path(temporary)
        env = {**os.environ, "SOLCODER_HOME": str(base / "home"), "HOME": str(base)}
        turn = [SOLCODER, "-p", "hi", "--offline-mode"]
        cases = {
            "python -c pass (baseline)": ([sys.executable, "-c", "pass"], base),
            "-p hi, no skills": (turn, project(base / "none", 0, 0)),
            "-p hi, 1 skill": (turn, project(base / "one", 1, 0)),
            "-p hi, 50 skills + 10 commands": (turn, project(base / "many", 50, 10)),
        }
        results = {name: medians(cmd, cwd, env) for name, (cmd, cwd) in cases.items()}
        other = os.environ.get("BASELINE_SRC")
        if other:
            results["-p hi, no skills (BASELINE_SRC)"] = medians(
                turn, base / "none", {**env, "PYTHONPATH": other}
            )
    baseline = results["python -c pass (baseline)"]
    plain = results["-p hi, no skills"]
    print(f"skills at start-up, median of {RUNS} runs ({os.cpu_count()} cores)")
    print(f"{'case':<34} {'wall':>9} {'× no skills':>12} {'cpu':>9} {'× no skills':>12}")
    for name, (wall, cpu) in results.items():
        print(
            f"{name:<34} {wall * 1000:>7.1f}ms {wall / plain[0]:>11.2f}× "
            f"{cpu * 1000:>7.1f}ms {cpu / plain[1]:>11.2f}×"
        )
    print(f"(python -c pass: {baseline[0] * 1000:.1f} ms wall)")


if __name__ == "__main__":
    main()
