"""The reviewer on small vulnerable and fixed Anchor programs, one per well-known Solana
vulnerability class (tests/fixtures/anchor/<class>/).

Each vulnerable program carries `// PLANT: rule` on the lines where the class's rule must fire
(comments are invisible to the checks); each fixed program is the same code with the hole
closed and must get no finding of that rule and no high or critical finding at all, so a fix the
user makes is not drowned in alarms.
"""

import re
from pathlib import Path

import pytest

from solcoder.tools.toolkits.review import RUST_CHECKS, review_code

FIXTURES = Path(__file__).parent.parent / "fixtures" / "anchor"

CLASS_RULE = {
    "missing_signer": "missing_signer",
    "missing_owner_check": "missing_owner_check",
    "account_data_matching": "account_data_mismatch",
    "type_cosplay": "type_cosplay",
    "arbitrary_cpi": "arbitrary_cpi",
    "non_canonical_bump": "non_canonical_bump",
    "unsafe_close": "insecure_close",
    "duplicate_mutable_accounts": "duplicate_mutable_accounts",
}


def _programs(prefix: str) -> list[tuple[str, Path]]:
    return [
        (name, path)
        for name in CLASS_RULE
        for path in sorted((FIXTURES / name).glob(f"{prefix}*.rs"))
    ]


def _planted(source: str) -> set[tuple[str, int]]:
    return {
        (match[1], number)
        for number, line in enumerate(source.splitlines(), start=1)
        for match in [re.search(r"// PLANT: (\w+)", line)]
        if match
    }


def test_every_class_has_a_vulnerable_and_a_fixed_program():
    assert sorted(path.name for path in FIXTURES.iterdir() if path.is_dir()) == sorted(CLASS_RULE)
    for name in CLASS_RULE:
        assert (FIXTURES / name / "vulnerable.rs").is_file()
        assert (FIXTURES / name / "fixed.rs").is_file()
    assert set(CLASS_RULE.values()) <= set(RUST_CHECKS)


@pytest.mark.parametrize(
    ("name", "path"), _programs("vulnerable"), ids=lambda value: getattr(value, "name", value)
)
def test_vulnerable_program_is_flagged_with_its_class_rule(name: str, path: Path):
    source = path.read_text()
    planted = _planted(source)
    assert CLASS_RULE[name] in {rule for rule, _ in planted}, "fixture must plant its class rule"
    found = {(finding.rule, finding.line) for finding in review_code(source).findings}
    assert planted <= found, f"missing: {sorted(planted - found)}"
    severities = {f.severity for f in review_code(source).findings if f.rule == CLASS_RULE[name]}
    assert severities & {"critical", "high"}, "the class's hole must be a high finding"


@pytest.mark.parametrize(
    ("name", "path"), _programs("fixed"), ids=lambda value: getattr(value, "name", value)
)
def test_fixed_program_is_clean(name: str, path: Path):
    findings = review_code(path.read_text()).findings
    assert [f for f in findings if f.rule == CLASS_RULE[name]] == []
    assert [f for f in findings if f.severity in {"critical", "high"}] == []


# Issue 13, item 21: the withdraw that `/review` passed with only "unchecked arithmetic" and an
# unenforced `/// CHECK:`. Nothing signs and nothing ties the vault to its owner, so anyone can
# drain anyone's vault into an account of their choice.
ISSUE_WITHDRAW = """\
use anchor_lang::prelude::*;

#[program]
pub mod vault {
    use super::*;

    pub fn withdraw(ctx: Context<Withdraw>, amount: u64) -> Result<()> {
        let vault = &mut ctx.accounts.vault;
        vault.balance -= amount;
        **vault.to_account_info().try_borrow_mut_lamports()? -= amount;
        **ctx.accounts.user.try_borrow_mut_lamports()? += amount;
        Ok(())
    }
}

#[derive(Accounts)]
pub struct Withdraw<'info> {
    #[account(mut)]
    pub vault: Account<'info, Vault>,
    /// CHECK: receives the lamports
    #[account(mut)]
    pub user: AccountInfo<'info>,
}

#[account]
pub struct Vault {
    pub owner: Pubkey,
    pub balance: u64,
}
"""


def test_issue_withdraw_without_signer_or_has_one_is_critical():
    review = review_code(ISSUE_WITHDRAW)
    by_rule = {finding.rule: finding for finding in review.findings}
    lines = ISSUE_WITHDRAW.splitlines()
    signer = by_rule["missing_signer"]
    assert signer.severity == "critical"
    assert "Signer<'info>" in signer.fix
    assert lines[signer.line - 1].strip().startswith("pub struct Withdraw")
    has_one = by_rule["account_data_mismatch"]
    assert has_one.severity in {"critical", "high"}
    assert lines[has_one.line - 1].strip() == "pub vault: Account<'info, Vault>,"
    assert "has_one = owner" in has_one.fix


def test_issue_withdraw_fixed_has_no_high_finding():
    fixed = (
        ISSUE_WITHDRAW.replace(
            "    #[account(mut)]\n    pub vault",
            "    #[account(mut, has_one = owner)]\n    pub vault",
        )
        .replace(
            "    /// CHECK: receives the lamports\n    #[account(mut)]\n"
            "    pub user: AccountInfo<'info>,",
            "    #[account(mut)]\n    pub owner: Signer<'info>,",
        )
        .replace(
            "        vault.balance -= amount;\n"
            "        **vault.to_account_info().try_borrow_mut_lamports()? -= amount;\n"
            "        **ctx.accounts.user.try_borrow_mut_lamports()? += amount;\n",
            "        vault.balance = vault.balance.checked_sub(amount).ok_or(VaultError::Empty)?;\n"
            "        vault.sub_lamports(amount)?;\n"
            "        ctx.accounts.owner.add_lamports(amount)?;\n",
        )
    )
    assert "has_one = owner" in fixed and "Signer<'info>" in fixed and "-=" not in fixed
    review = review_code(fixed)
    assert [f.rule for f in review.findings if f.severity in {"critical", "high"}] == []


def _withdraw(accounts: str) -> str:
    return (
        "use anchor_lang::prelude::*;\n\n#[derive(Accounts)]\n"
        f"pub struct Withdraw<'info> {{\n{accounts}}}\n\n"
        "#[account]\npub struct Vault {\n    pub owner: Pubkey,\n    pub balance: u64,\n}\n"
    )


@pytest.mark.parametrize(
    "accounts",
    [
        # attribute on the field's own line, constraints in another order
        "    #[account(has_one = owner, mut)] pub vault: Account<'info, Vault>,\n"
        "    pub owner: Signer<'info>,\n",
        # several #[account] attributes, spread over lines, with comments between
        "    #[account(mut)]\n    // the owner must sign below\n"
        "    #[account(\n        has_one = owner\n    )]\n"
        "    pub vault: Account<'info, Vault>,\n    /* the authority */\n"
        "    pub owner: Signer<'info>,\n",
        # fields without `pub`, boxed account, extra whitespace
        "    #[account( mut ,  has_one=owner )]\n    vault : Box<Account<'info, Vault>>,\n"
        "    owner :   Signer<'info>,\n",
    ],
)
def test_formatting_does_not_change_a_clean_verdict(accounts: str):
    findings = review_code(_withdraw(accounts)).findings
    assert [(f.rule, f.severity) for f in findings] == []


@pytest.mark.parametrize(
    "accounts",
    [
        # the constraint exists only in a comment
        "    #[account(mut /* , has_one = owner */)]\n    pub vault: Account<'info, Vault>,\n"
        "    pub owner: Signer<'info>, // has_one = owner\n",
        "    #[account(mut)] // has_one = owner\n    pub vault: Box<Account<'info, Vault>>,\n"
        "    owner: Signer<'info>,\n",
    ],
)
def test_constraints_in_comments_do_not_count(accounts: str):
    findings = review_code(_withdraw(accounts)).findings
    assert ("account_data_mismatch", "high") in {(f.rule, f.severity) for f in findings}


def test_signer_mentioned_only_in_a_comment_does_not_count():
    source = _withdraw(
        "    #[account(mut)]\n    pub vault: Account<'info, Vault>,\n"
        "    // pub owner: Signer<'info>,\n"
        "    /// CHECK: the owner\n    pub owner: AccountInfo<'info>,\n"
    )
    rules = {(f.rule, f.severity) for f in review_code(source).findings}
    assert ("missing_signer", "critical") in rules


def test_braces_in_strings_do_not_break_the_struct_or_handler():
    source = ISSUE_WITHDRAW.replace(
        "        Ok(())\n", '        msg!("withdrew {} from {}", amount, "}");\n        Ok(())\n', 1
    )
    rules = {f.rule for f in review_code(source).findings}
    assert {"missing_signer", "account_data_mismatch"} <= rules


NATIVE_UNPACK = """\
use solana_program::account_info::{next_account_info, AccountInfo};

pub fn process(program_id: &Pubkey, accounts: &[AccountInfo], data: &[u8]) -> ProgramResult {
    let iter = &mut accounts.iter();
    let authority = next_account_info(iter)?;
    let token_info = next_account_info(iter)?;
    if !authority.is_signer {
        return Err(ProgramError::MissingRequiredSignature);
    }
    let args = Args::try_from_slice(data)?;
    let token = SplTokenAccount::unpack(&token_info.data.borrow())?;
    if token.owner != *authority.key {
        return Err(ProgramError::InvalidAccountData);
    }
    Ok(())
}
"""


def test_native_unpack_needs_the_owner_of_the_account_not_of_the_tokens():
    # `token.owner` is the wallet inside the token data; only `token_info.owner` is the program.
    (finding,) = review_code(NATIVE_UNPACK).findings
    assert (finding.rule, finding.line) == ("missing_owner_check", 11)
    fixed = NATIVE_UNPACK.replace(
        "    let token = SplTokenAccount",
        "    if token_info.owner != &spl_token::ID {\n"
        "        return Err(ProgramError::IncorrectProgramId);\n    }\n"
        "    let token = SplTokenAccount",
    )
    assert review_code(fixed).findings == []


def test_close_constraint_does_not_tie_the_account_to_its_owner():
    source = _withdraw(
        "    #[account(mut, close = owner)]\n    pub vault: Account<'info, Vault>,\n"
        "    #[account(mut)]\n    pub owner: Signer<'info>,\n"
    )
    rules = {(f.rule, f.severity) for f in review_code(source).findings}
    assert rules == {("account_data_mismatch", "high")}


def test_brackets_inside_seed_strings_do_not_hide_the_seeds():
    source = _withdraw(
        '    #[account(mut, seeds = [b"v]}{", owner.key().as_ref()], bump = vault.bump)]\n'
        "    pub vault: Account<'info, Vault>,\n    pub owner: Signer<'info>,\n"
    )
    assert review_code(source).findings == []


def test_signer_constraint_on_an_account_info_counts_as_a_signer():
    source = _withdraw(
        "    #[account(mut, has_one = owner)]\n    pub vault: Account<'info, Vault>,\n"
        "    #[account(signer)]\n    /// CHECK: must sign\n    pub owner: AccountInfo<'info>,\n"
    )
    assert review_code(source).findings == []


def test_permissionless_crank_over_a_global_pda_is_a_low_note():
    # Every account it writes is a PDA of the program: anyone may crank it by design.
    source = (
        "use anchor_lang::prelude::*;\n\n#[derive(Accounts)]\npub struct Crank<'info> {\n"
        '    #[account(mut, seeds = [b"pool"], bump = pool.bump)]\n'
        "    pub pool: Account<'info, Pool>,\n}\n"
    )
    assert [(f.rule, f.severity) for f in review_code(source).findings] == [
        ("missing_signer", "low")
    ]


def _split_top_level(text: str) -> list[str]:
    parts, depth, current = [], 0, ""
    for char in text:
        depth += (char in "([{") - (char in ")]}")
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    return [part.strip() for part in [*parts, current] if part.strip()]


def _explode(match: re.Match[str]) -> str:
    inner = "".join(f"        {part},\n" for part in _split_top_level(match[1]))
    return f"#[account(\n{inner}    )]"


REFORMATS = {
    "crlf": lambda source: source.replace("\n", "\r\n"),
    "tabs": lambda source: source.replace("    ", "\t"),
    "attribute_on_field_line": lambda source: re.sub(
        r"(#\[account\([^\n]*\)\])\n[ \t]*", r"\1 ", source
    ),
    "exploded_attributes": lambda source: re.sub(r"#\[account\(([^\n]*)\)\]", _explode, source),
    "decoy_comments": lambda source: re.sub(
        r"\{\n",
        "{ /* has_one = owner, signer, close = x */\n"
        "    // #[account(mut, has_one = authority)] Signer<'info> require!(a != b) {\n",
        source,
    ),
}


def _verdict(source: str) -> list[tuple[str, str]]:
    return sorted((f.rule, f.severity) for f in review_code(source).findings)


@pytest.mark.parametrize("reformat", sorted(REFORMATS))
@pytest.mark.parametrize(
    ("name", "path"),
    _programs("vulnerable") + _programs("fixed"),
    ids=lambda value: getattr(value, "name", value),
)
def test_reformatting_a_program_keeps_its_verdict(name: str, path: Path, reformat: str):
    source = path.read_text()
    changed = REFORMATS[reformat](source)
    assert changed != source or reformat in {"attribute_on_field_line", "exploded_attributes"}
    assert _verdict(changed) == _verdict(source)
    found = {(f.rule, f.line) for f in review_code(changed).findings}
    assert _planted(changed) <= found


@pytest.mark.timeout(120)  # a hang guard: rescanning the file per `fn` took a minute here
def test_deeply_nested_functions_are_reviewed() -> None:
    result = review_code("fn a() {" * 3000 + "}" * 3000)
    assert result.findings is not None


def test_line_numbers_count_only_newlines():
    # `str.splitlines` also breaks at form feeds and U+2028, which Rust does not count.
    source = 'use anchor_lang::prelude::*;\nconst S: &str = "a\u2028b\x0cc";\n' + _withdraw(
        "    #[account(mut)]\n    pub vault: Account<'info, Vault>,\n"
    )
    codes = {f.rule: f.code for f in review_code(source).findings}
    assert codes["missing_signer"] == "pub struct Withdraw<'info> {"
    assert codes["account_data_mismatch"] == "pub vault: Account<'info, Vault>,"


def test_authority_checked_by_has_one_must_sign_even_when_someone_else_pays():
    source = _withdraw(
        "    #[account(mut, has_one = owner)]\n    pub vault: Account<'info, Vault>,\n"
        "    /// CHECK: compared by has_one\n    pub owner: UncheckedAccount<'info>,\n"
        "    #[account(mut)]\n    pub payer: Signer<'info>,\n"
    )
    rules = {(f.rule, f.severity) for f in review_code(source).findings}
    assert ("missing_signer", "critical") in rules


def test_the_binding_in_scope_decides_which_account_was_read():
    source = NATIVE_UNPACK.replace(
        "    let token = SplTokenAccount::unpack(&token_info.data.borrow())?;\n",
        "    if authority.owner != program_id {\n        return Err(ProgramError::IllegalOwner);\n"
        "    }\n    let data = authority.data.borrow();\n    let first = Config::unpack(&data)?;\n"
        "    let data = token_info.data.borrow();\n"
        "    let token = SplTokenAccount::unpack(&data)?;\n",
    )
    findings = [(f.rule, f.code) for f in review_code(source).findings]
    assert findings == [("missing_owner_check", "let token = SplTokenAccount::unpack(&data)?;")]
