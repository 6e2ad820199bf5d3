"""The plan toolkit: a rule-based planner for Solana development goals.

It works without a model on purpose: offline mode's scripted replies call it, and a model that
calls it gets a concrete, ordered starting point it can refine instead of a blank page. The
topics it recognises and their steps live in `plan_rules.py`.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, Field

from solcoder.tools.registry import ToolRegistry
from solcoder.tools.toolkits import plan_rules as rules

TOOLKIT = "plan"
_NATIVE = re.compile(r"\bnative\b|\bsolana[-_ ]program\b|\bwithout anchor\b", re.IGNORECASE)


class PlanStep(BaseModel):
    number: int
    title: str
    detail: str
    toolkit: str = Field(description="The SolCoder toolkit that helps with this step.")


class Plan(BaseModel):
    goal: str
    steps: list[PlanStep]
    assumptions: list[str]
    risks: list[str]
    topics: list[str] = Field(description="The Solana topics recognised in the goal.")


def plan(goal: str, context: str = "") -> Plan:
    """Break a Solana development goal into ordered, concrete steps, each naming the SolCoder
    toolkit that helps with it. Rule-based and deterministic: recognises Anchor programs, SPL
    tokens, NFTs, PDAs and account design, deployment, tests, security review and frontends.

    Args:
        goal: What the user wants to achieve, in their words.
        context: Anything else known: existing code, constraints, the target cluster.
    """
    goal = " ".join(goal.split())
    if not goal:
        raise ValueError("the goal is empty; describe what should be built or done")
    text = f"{goal}\n{context}"
    topics = [topic for topic in rules.TOPICS if topic.pattern.search(text)]
    names = {topic.name for topic in topics}
    if "nft" in names and not rules.FUNGIBLE.search(text):
        topics = [topic for topic in topics if topic.name != "token"]
    native = bool(_NATIVE.search(text))
    # A goal that names a program without a verb ("an Anchor counter on devnet") is a goal to
    # build it, unless it points at code that already exists ("deploy my program").
    building = bool(rules.BUILDING.search(goal)) or not rules.EXISTING.search(goal)
    steps = _merge_steps(topics, building=building)

    assumptions = [*rules.COMMON_ASSUMPTIONS]
    for topic in topics:
        assumptions.extend(topic.assumptions)
    if native:
        assumptions = [line for line in assumptions if "Anchor framework" not in line]
        assumptions.append(
            "The program is native (solana-program, no Anchor): every account check that "
            "Anchor constraints would do must be written by hand."
        )
    if context.strip():
        assumptions.append(f"Context taken into account: {' '.join(context.split())[:200]}")
    existing = _workspace_programs()
    if existing:
        assumptions.append(
            f"The workspace already holds {existing}; describe_program shows their "
            "instructions and accounts from the built IDL."
        )
    risks = [risk for topic in topics for risk in topic.risks]
    if not risks:
        risks.append("Vague requirements lead to rework; confirm the plan before building.")

    return Plan(
        goal=goal,
        steps=[
            PlanStep(
                number=number,
                title=step.title,
                detail=_adapt(step, native=native),
                toolkit=step.toolkit,
            )
            for number, step in enumerate(steps, start=1)
        ],
        assumptions=list(dict.fromkeys(assumptions)),
        risks=list(dict.fromkeys(risks)),
        topics=[topic.name for topic in topics] or ["general"],
    )


def _workspace_programs() -> str | None:
    """The launch's workspace programs in one line (`counter (anchor, 3 instructions)`)."""
    from solcoder.solana.program_info import status_line
    from solcoder.tools.launch_root import launch_root

    try:
        return status_line(launch_root())
    except OSError:
        return None


def _merge_steps(topics: list[rules.Topic], *, building: bool) -> list[rules.Step]:
    """Steps of all topics, without duplicates, ordered by phase (stable within a phase)."""
    merged: dict[str, rules.Step] = {}
    for topic in topics:
        for step in topic.steps:
            merged.setdefault(step.key, step)
    names = {topic.name for topic in topics}
    if not building and names & rules.EXISTING_CODE_TOPICS:
        # "Review my vault program" or "deploy my program": the code exists already.
        merged = {key: step for key, step in merged.items() if key not in rules.BUILD_ONLY_KEYS}
        if "security" in names and not names & {"deploy", "mainnet"}:
            merged.pop("environment", None)
            if "tests" not in names:
                merged.pop("tests", None)
    if not merged:
        merged = {step.key: step for step in rules.GENERIC_STEPS}
    elif "scaffold" in merged and "review" not in merged:
        merged["review"] = rules.SECURITY_REVIEW
    return sorted(merged.values(), key=lambda step: step.phase)


def _adapt(step: rules.Step, *, native: bool) -> str:
    if native and step.key == "scaffold":
        return (
            'Create a cargo library with `crate-type = ["cdylib", "lib"]` and the '
            "`solana-program` crate, and build it once with `cargo build-sbf`."
        )
    if native and step.key == "instructions":
        return (
            "Decode the instruction data, then for every account check the owner, the signer "
            "and writable flags and the expected address or PDA by hand before touching its "
            "data; use checked arithmetic and return `ProgramError`s."
        )
    if native and step.key == "deploy_devnet":
        return (
            "`solana config set --url devnet`, fund the deployer (`solana airdrop 2`), "
            "`cargo build-sbf`, then `solana program deploy target/deploy/<name>.so`; record "
            "the program id and upgrade authority."
        )
    return step.detail


def register(registry: ToolRegistry) -> None:
    registry.register(plan, toolkit=TOOLKIT, timeout=10, effect="read_only")
