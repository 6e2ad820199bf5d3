"""The deploy toolkit: for now, an honest "not available" with the exact commands to run.

Real deploys sign transactions and spend SOL, so they come in a later stage with confirmation
prompts and key handling. Until then the tool must never pretend: it reports `not_available`,
and tailors the manual steps to the project it finds (Anchor workspace or native crate) and to
the cluster asked for. It only reads the project directory; it builds, signs and sends nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from solcoder.tools.registry import ToolRegistry

TOOLKIT = "deploy"
Cluster = Literal["localnet", "devnet", "testnet", "mainnet-beta"]
_CLUSTER_URL_NAMES = {
    "localnet": "localhost",
    "devnet": "devnet",
    "testnet": "testnet",
    "mainnet-beta": "mainnet-beta",
}


def deploy_program(cluster: Cluster = "devnet", program_path: str = ".") -> dict[str, Any]:
    """Deploy a Solana program: not available in this version, so it returns
    `status: not_available` and the commands to deploy by hand for the project and cluster.

    Args:
        cluster: Target cluster.
        program_path: Directory of the Anchor workspace or native program crate.
    """
    root = Path(program_path).expanduser()
    project = _project_kind(root)
    steps = [
        f"solana config set --url {_CLUSTER_URL_NAMES[cluster]}",
        "solana address && solana balance   # the deployer and its SOL",
    ]
    if cluster == "localnet":
        steps.insert(0, "solana-test-validator   # in another terminal")
    elif cluster in ("devnet", "testnet"):
        steps.append(f"solana airdrop 2   # or faucet.solana.com if the {cluster} faucet refuses")
    else:
        steps.append(
            "Fund the deployer with real SOL: the program data account needs rent for about "
            "the program's size (roughly 0.007 SOL per KB), plus fees."
        )
    if project == "unknown":
        steps.insert(
            0,
            f"No Anchor.toml or Solana Cargo.toml was found in {root}: run the commands below "
            "from the program's directory (shown for Anchor, the default framework).",
        )
    if project != "native":
        steps += [
            "anchor keys sync   # declare_id! and Anchor.toml match the program keypair",
            "anchor build" + (" --verifiable" if cluster == "mainnet-beta" else ""),
            f"anchor deploy --provider.cluster {cluster}",
        ]
    else:
        steps += [
            "cargo build-sbf",
            "solana program deploy target/deploy/<program_name>.so",
        ]
    steps.append("solana program show <PROGRAM_ID>   # check the deploy and the upgrade authority")
    if cluster == "mainnet-beta":
        steps += [
            "Add a priority fee (`--with-compute-unit-price`) when the network is busy.",
            "Move the upgrade authority to a multisig: solana program set-upgrade-authority "
            "<PROGRAM_ID> --new-upgrade-authority <MULTISIG>",
        ]
    steps.append(
        "If a deploy fails midway, reclaim the rent held by its buffer: "
        "solana program close --buffers"
    )
    return {
        "status": "not_available",
        "reason": "Deploying is not available in this version of SolCoder: it would sign "
        "transactions and spend SOL, which a later release adds with explicit confirmation. "
        "Nothing was built, signed or sent.",
        "cluster": cluster,
        "program_path": str(root),
        "project": project,
        "next_steps": steps,
    }


def _project_kind(root: Path) -> str:
    """ "anchor", "native" or "unknown", from the files present (read-only)."""
    try:
        if (root / "Anchor.toml").is_file():
            return "anchor"
        cargo = root / "Cargo.toml"
        if cargo.is_file() and "solana-program" in cargo.read_text(errors="replace"):
            return "native"
    except OSError:
        return "unknown"
    return "unknown"


def register(registry: ToolRegistry) -> None:
    # Declared by what a deploy is, not by what this stage does: the approval is asked (and
    # recorded) now, so the day it signs for real nothing about the policy changes.
    registry.register(deploy_program, toolkit=TOOLKIT, timeout=10, effect="signs")
