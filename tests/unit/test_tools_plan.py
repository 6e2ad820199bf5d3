"""The rule-based planner: recognises Solana goals and orders concrete steps."""

import pytest

from solcoder.tools.toolkits import default_registry
from solcoder.tools.toolkits.plan import Plan, plan


def _titles(result: Plan) -> list[str]:
    return [step.title for step in result.steps]


def test_anchor_program_goal_gets_the_full_build_sequence():
    result = plan("Build an Anchor escrow program")
    assert result.goal == "Build an Anchor escrow program"
    assert result.topics == ["program", "pda"]
    titles = _titles(result)
    assert titles[0] == "Check the toolchain"
    assert titles.index("Scaffold the program workspace") < titles.index(
        "Implement the instructions"
    )
    assert titles.index("Choose PDA seeds and store the bump") < titles.index(
        "Implement the instructions"
    )
    assert titles[-2:] == [
        "Write tests for success and failure paths",
        "Review the program for security issues",
    ]
    assert [step.number for step in result.steps] == list(range(1, len(titles) + 1))
    assert any("Anchor framework" in line for line in result.assumptions)
    assert result.risks


def test_token_goal_covers_mint_atas_and_authority_risk():
    result = plan("Create an SPL token with 6 decimals and mint it to users")
    assert "token" in result.topics
    assert "Create the mint and token accounts" in _titles(result)
    assert any("associated token accounts" in step.detail for step in result.steps)
    assert any("mint authority" in risk.lower() for risk in result.risks)


def test_nft_goal_is_not_treated_as_a_fungible_token():
    result = plan("mint an NFT collection")
    assert result.topics == ["nft"]
    assert "Choose the NFT standard" in _titles(result)


def test_deploying_existing_code_skips_scaffolding():
    result = plan("deploy my program to devnet")
    assert _titles(result) == ["Check the toolchain", "Deploy to devnet"]
    assert result.steps[1].toolkit == "deploy"
    assert "anchor deploy --provider.cluster devnet" in result.steps[1].detail


def test_mainnet_adds_release_hardening():
    result = plan("deploy to mainnet")
    assert _titles(result)[-1] == "Prepare the mainnet release"
    assert any("multisig" in step.detail for step in result.steps)


def test_security_review_of_existing_code_is_review_only():
    result = plan("security review of my vault program")
    assert [step.toolkit for step in result.steps] == ["review", "knowledge", "code"]
    assert "Scaffold the program workspace" not in _titles(result)


def test_native_program_adapts_the_steps():
    result = plan("write a native program")
    details = " ".join(step.detail for step in result.steps)
    assert "cargo build-sbf" in details
    assert "owner, the signer" in details
    assert not any("Anchor framework" in line for line in result.assumptions)


def test_frontend_goal():
    result = plan("add a react frontend with phantom wallet")
    assert result.topics == ["frontend"]
    assert _titles(result)[0] == "Connect a wallet"


def test_generic_goal_gets_a_generic_breakdown_and_context_is_kept():
    result = plan("write a poem", context="short")
    assert result.topics == ["general"]
    assert len(result.steps) == 4
    assert result.assumptions[-1] == "Context taken into account: short"


def test_plan_is_deterministic():
    assert plan("Build a staking program with tests") == plan("Build a staking program with tests")


def test_empty_goal_is_an_error():
    with pytest.raises(ValueError, match="empty"):
        plan("   ")


async def test_plan_through_the_registry_returns_structured_json():
    tool = default_registry().get("plan")
    assert tool is not None
    output = await tool.run(tool.parse_arguments('{"goal": "create an anchor counter program"}'))
    assert isinstance(output.data, Plan)
    assert '"steps":[{"number":1' in output.content
