"""The knowledge behind the planner: Solana topics, how to recognise them, and their steps.

Separate from `plan.py` so the rules read as data. Each step carries the phase it belongs to;
the planner merges the steps of every recognised topic and orders them by phase.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Phases order the merged steps: set up → design → build → test → review → ship → client.
SETUP, DESIGN, BUILD, TEST, REVIEW, SHIP, CLIENT = range(7)


@dataclass(frozen=True, slots=True)
class Step:
    key: str
    phase: int
    title: str
    detail: str
    toolkit: str


@dataclass(frozen=True, slots=True)
class Topic:
    name: str
    pattern: re.Pattern[str]
    steps: tuple[Step, ...]
    assumptions: tuple[str, ...] = ()
    risks: tuple[str, ...] = ()


# "build a staking program" asks for a new program; "write tests for my program" does not.
_NEW_PROGRAM = (
    r"(?:write|build|create|make|implement|develop|scaffold|start)\s+"
    r"(?:(?!my\b|our\b|existing\b|this\b|for\b|to\b)[\w-]+\s+){0,4}programs?\b"
)


def words(alternatives: str) -> re.Pattern[str]:
    """A case-insensitive pattern matching any `|`-separated alternative at a word start."""
    return re.compile(rf"\b(?:{alternatives})", re.IGNORECASE)


ENVIRONMENT = Step(
    "environment",
    SETUP,
    "Check the toolchain",
    "Confirm the Solana CLI, Rust (cargo, rustc), Anchor and Node are installed and on PATH, "
    "and that the CLI points at the intended cluster (`solana config get`).",
    "diagnostics",
)
SCAFFOLD = Step(
    "scaffold",
    SETUP,
    "Scaffold the program workspace",
    "Create the workspace (the scaffold_program tool or `anchor init <name>` with Anchor 1.x; a "
    "cargo library with `solana-program` or Pinocchio for a native program) and run `anchor "
    "build` once so the program keypair, id and IDL (target/idl/) exist.",
    "code",
)
ACCOUNTS = Step(
    "accounts",
    DESIGN,
    "Design the accounts and their owners",
    "List every account each instruction touches, who owns it, who must sign, and which are "
    "writable. Size each state account as 8 bytes of discriminator + `INIT_SPACE`.",
    "knowledge",
)
INSTRUCTIONS = Step(
    "instructions",
    BUILD,
    "Implement the instructions",
    "Write one handler per instruction with an `#[derive(Accounts)]` struct that validates every "
    "account through constraints (`has_one`, `seeds`/`bump`, `address`, `Signer`), use "
    "checked arithmetic and return custom `#[error_code]` errors instead of panicking.",
    "code",
)
TESTS = Step(
    "tests",
    TEST,
    "Write tests for success and failure paths",
    "Cover each instruction's happy path and its rejections (wrong signer, wrong seeds, "
    "overflow, reinitialisation) with in-process LiteSVM tests (Anchor 1.x's default), or "
    "`anchor test` against a local Surfpool network.",
    "code",
)
SECURITY_REVIEW = Step(
    "review",
    REVIEW,
    "Review the program for security issues",
    "Run `solcoder review` (review_code with the program's paths) over the whole workspace and "
    "walk the security notes: signer and owner checks, account relationships, arithmetic, PDA "
    "bumps, CPI targets, account closing.",
    "review",
)
DEPLOY_DEVNET = Step(
    "deploy_devnet",
    SHIP,
    "Deploy to devnet",
    "`solana config set --url devnet`, fund the deployer (`solana airdrop 2` or "
    "faucet.solana.com), `anchor keys sync`, `anchor build`, then `anchor deploy "
    "--provider.cluster devnet`; record the program id and upgrade authority.",
    "deploy",
)

TOPICS: tuple[Topic, ...] = (
    Topic(
        "program",
        words(
            r"anchor|smart contract|on-?chain|instruction|escrow|vault|staking|counter|dao|voting|"
            r"game|" + _NEW_PROGRAM
        ),
        (ENVIRONMENT, SCAFFOLD, ACCOUNTS, INSTRUCTIONS, TESTS, SECURITY_REVIEW),
        assumptions=(
            "The program uses the Anchor framework unless a native program is asked for.",
        ),
        risks=("A missing account constraint lets an attacker pass an account they control.",),
    ),
    Topic(
        "token",
        words(r"token|spl|mint|fungible|airdrop|ata\b|associated token|token-?2022|transfer fee"),
        (
            ENVIRONMENT,
            Step(
                "token_program",
                DESIGN,
                "Choose the token program and mint settings",
                "Pick the classic Token Program or Token-2022 (needed for extensions such as "
                "transfer fees or on-mint metadata), the decimals, and who holds the mint and "
                "freeze authorities (a PDA if the program mints).",
                "knowledge",
            ),
            Step(
                "token_mint",
                BUILD,
                "Create the mint and token accounts",
                "Create the mint (`spl-token create-token`, or an `init` with `mint::decimals` "
                "and `mint::authority` in Anchor) and hold balances in associated token "
                "accounts derived from (owner, token program, mint).",
                "code",
            ),
            Step(
                "token_transfers",
                BUILD,
                "Mint and transfer through CPI",
                "Call the token program through `anchor_spl::token_interface` "
                "(`mint_to`, `transfer_checked`), signing with PDA seeds when the authority "
                "is a PDA; amounts are integers in base units (10^decimals).",
                "code",
            ),
        ),
        assumptions=("Token amounts are handled as integers in base units, never floats.",),
        risks=(
            "A mint authority kept on a hot wallet can inflate the supply; revoke it or "
            "move it to a multisig once the supply is final.",
        ),
    ),
    Topic(
        "nft",
        words(r"nft|collectible|metaplex|candy machine|collection|compressed|bubblegum"),
        (
            ENVIRONMENT,
            Step(
                "nft_standard",
                DESIGN,
                "Choose the NFT standard",
                "Metaplex Core for simple new collections, Token Metadata for wide wallet "
                "and marketplace support, or compressed NFTs (Bubblegum) for very large "
                "drops at low cost.",
                "knowledge",
            ),
            Step(
                "nft_assets",
                BUILD,
                "Upload the art and metadata",
                "Upload images and JSON metadata (name, symbol, image, attributes) to "
                "permanent storage such as Arweave or IPFS and keep the URIs.",
                "code",
            ),
            Step(
                "nft_mint",
                BUILD,
                "Create the collection and mint",
                "Create the collection first, then mint each asset into it with a verified "
                "collection and the intended royalty and update authority.",
                "code",
            ),
        ),
        risks=("Metadata on mutable, centralised hosting can change or disappear after mint.",),
    ),
    Topic(
        "pda",
        words(
            r"pda|program derived|seed|account design|state|storage|escrow|vault|per-user|counter"
        ),
        (
            Step(
                "pda_seeds",
                DESIGN,
                "Choose PDA seeds and store the bump",
                "Derive each program-owned account from a constant prefix plus the keys that "
                'make it unique (e.g. `[b"vault", user.key().as_ref()]`), use the canonical '
                "bump from `ctx.bumps` and store it in the account for later signing.",
                "knowledge",
            ),
            Step(
                "pda_lifecycle",
                BUILD,
                "Handle account creation and closing",
                "Pay rent-exempt space at `init`, grow with `realloc` when needed, and close "
                "accounts with the `close = destination` constraint to return the rent.",
                "code",
            ),
        ),
        risks=("Seeds that omit the user key let two users collide on one account.",),
    ),
    Topic(
        "deploy",
        words(r"deploy|devnet|testnet|mainnet|upgrade|release|ship"),
        (ENVIRONMENT, DEPLOY_DEVNET),
        assumptions=("Deployments go to devnet first; mainnet only after tests and review.",),
        risks=("An upgrade authority held by one hot key can replace the program at any time.",),
    ),
    Topic(
        "mainnet",
        words(r"mainnet|production"),
        (
            Step(
                "mainnet_deploy",
                SHIP,
                "Prepare the mainnet release",
                "Make a verifiable build, fund the deployer with enough SOL for the program "
                "data rent, deploy with a priority fee, then move the upgrade authority to a "
                "multisig (or make the program immutable with `--final`).",
                "deploy",
            ),
        ),
        risks=(
            "Mainnet deploys cost real SOL and a failed deploy leaves a buffer account "
            "holding rent until it is closed (`solana program close --buffers`).",
        ),
    ),
    Topic(
        "tests",
        words(r"test(?!net)|bankrun|litesvm|coverage|ci\b"),
        (
            TESTS,
            Step(
                "ci",
                TEST,
                "Run the tests in CI",
                "Run build and tests on every push with pinned Solana, Anchor and Rust versions "
                "so results do not drift between machines.",
                "code",
            ),
        ),
    ),
    Topic(
        "security",
        words(r"secur|audit|review|vulnerab|exploit|attack"),
        (
            SECURITY_REVIEW,
            Step(
                "security_checklist",
                REVIEW,
                "Walk the security checklist",
                "Read the security checklist note and check by hand what static checks cannot "
                "see: who may call each instruction, account relationships, PDA seed design, "
                "CPI targets, closing and reinitialisation.",
                "knowledge",
            ),
            Step(
                "security_tests",
                REVIEW,
                "Turn each finding into a failing test",
                "For every issue found, write a test that performs the attack and fails before "
                "the fix and passes after it.",
                "code",
            ),
        ),
        risks=(
            "A static checklist cannot prove the absence of logic bugs; get an external "
            "audit before holding significant value.",
        ),
    ),
    Topic(
        "frontend",
        words(r"front-?end|wallet|react|next\.?js|dapp|web|\bui\b|phantom|client|typescript"),
        (
            Step(
                "client_setup",
                CLIENT,
                "Connect a wallet",
                "Use the Solana wallet adapter (Wallet Standard) so any installed wallet can "
                "connect; never ask users for secret keys.",
                "code",
            ),
            Step(
                "client_calls",
                CLIENT,
                "Call the program from the client",
                "Generate a typed client from the IDL (Codama for `@solana/kit`, or "
                "`@anchor-lang/core`), build transactions with a fresh "
                "blockhash, add a compute-unit limit and priority fee, then send and confirm "
                "with the blockhash's last valid block height.",
                "code",
            ),
            Step(
                "client_errors",
                CLIENT,
                "Show failures clearly",
                "Map program error codes from the IDL to readable messages and handle expired "
                "blockhashes by rebuilding and re-signing the transaction.",
                "code",
            ),
        ),
        risks=(
            "Transactions can be dropped under congestion; confirm them and retry with a "
            "new blockhash instead of assuming success.",
        ),
    ),
)

# Minting an NFT mentions "mint" and "token" without being a fungible-token goal.
FUNGIBLE = words(r"spl|fungible|token-?2022|transfer fee|decimals")

# Verbs that mean new code will be written (as opposed to reviewing or deploying existing code).
BUILDING = words(
    r"write(?!\s+(?:\w+\s+)?tests?\b)|build|create|make|new\b|implement|develop|"
    r"scaffold|start|add\b|design"
)
# Words that point at code that already exists ("review my program", "deploy the vault").
EXISTING = words(r"my|our|this|existing|current|deployed|the\s+(?:program|code|vault|contract)")
# Goals about existing code: when they do not also ask to build, skip scaffolding and building.
EXISTING_CODE_TOPICS = frozenset({"security", "deploy", "mainnet", "tests"})
BUILD_ONLY_KEYS = frozenset(
    {
        "scaffold",
        "accounts",
        "instructions",
        "pda_seeds",
        "pda_lifecycle",
        "token_program",
        "token_mint",
        "token_transfers",
        "nft_standard",
        "nft_assets",
        "nft_mint",
    }
)

GENERIC_STEPS = (
    Step(
        "clarify",
        SETUP,
        "Pin down the requirements",
        "Write down what must happen, who the users are, which accounts and assets are "
        "involved and what must never happen.",
        "plan",
    ),
    Step(
        "research",
        DESIGN,
        "Look up the relevant Solana concepts",
        "Search the bundled notes for the concepts involved (accounts and rent, PDAs, CPI, "
        "tokens, fees and limits) before designing.",
        "knowledge",
    ),
    Step(
        "build",
        BUILD,
        "Build it in small, testable pieces",
        "Implement one piece at a time and check each one before moving on.",
        "code",
    ),
    Step(
        "verify",
        TEST,
        "Test and review",
        "Test the success and failure paths, then review the result for security issues.",
        "review",
    ),
)

COMMON_ASSUMPTIONS = (
    "Development happens against a local validator or devnet, never with mainnet funds.",
    "The Solana CLI, Rust and (for Anchor) the Anchor CLI are installed; the diagnostics "
    "toolkit can confirm this.",
)
