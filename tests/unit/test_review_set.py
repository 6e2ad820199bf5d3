"""The labelled review set itself: every label points at real code, every case is real Rust.

The accuracy test (test_review_accuracy.py) is only as good as the manifest it reads, so the
manifest is checked on its own: paths exist, labelled lines say what the label claims, classes
are the documented ones (DESIGN.md §6), each class has its three variants, and every Rust file
parses without an ERROR node (a case the parser cannot read measures nothing).
"""

from __future__ import annotations

import tomllib
from collections import Counter
from pathlib import Path

import pytest

from tests.support.review_set import SET_ROOT, SEVERITY_RANK, VARIANTS, LabelledCase, load_cases

CLASSES = frozenset(
    {
        "missing_signer",
        "missing_owner_check",
        "account_data_mismatch",
        "type_cosplay",
        "reinitialization",
        "arbitrary_cpi",
        "duplicate_mutable_accounts",
        "non_canonical_bump",
        "pda_sharing",
        "insecure_close",
        "sysvar_spoofing",
        "unchecked_arithmetic",
    }
)
NATIVE_CLASSES = (
    "missing_signer",
    "missing_owner_check",
    "type_cosplay",
    "arbitrary_cpi",
    "unchecked_arithmetic",
    "reinitialization",
    "sysvar_spoofing",
)
CASES = load_cases()


def _ids(cases: list[LabelledCase]) -> list[str]:
    return [case.id for case in cases]


def test_ids_are_unique_and_paths_exist() -> None:
    counts = Counter(case.id for case in CASES)
    assert [name for name, count in counts.items() if count > 1] == []
    for case in CASES:
        assert case.path.is_dir(), case.id
        assert case.path.resolve().is_relative_to(SET_ROOT), case.id


@pytest.mark.parametrize("case", CASES, ids=_ids(CASES))
def test_case_is_a_workspace_of_its_style(case: LabelledCase) -> None:
    if case.style == "anchor":
        assert (case.path / "Anchor.toml").is_file()
        workspace = tomllib.loads((case.path / "Cargo.toml").read_text())
        assert workspace["workspace"]["members"] == ["programs/*"]
        crates = list((case.path / "programs").glob("*/Cargo.toml"))
        assert crates, "no program under programs/"
        for crate in crates:
            assert "anchor-lang" in tomllib.loads(crate.read_text())["dependencies"]
            assert (crate.parent / "src" / "lib.rs").is_file()
    else:
        assert case.style == "native"
        crate = tomllib.loads((case.path / "Cargo.toml").read_text())
        dependencies = crate["dependencies"]
        assert "solana-program" in dependencies or "pinocchio" in dependencies
        assert (case.path / "src" / "lib.rs").is_file()
    files = sorted(case.path.rglob("*.rs"))
    assert case.layout == ("multi-file" if len(files) > 1 else "single-file")


@pytest.mark.parametrize("case", CASES, ids=_ids(CASES))
def test_labels_are_consistent(case: LabelledCase) -> None:
    assert case.variant in VARIANTS
    assert case.klass in CLASSES or (case.klass == "safe" and case.variant == "safe")
    assert set(case.forbid) <= CLASSES
    assert case.why
    if case.variant == "vulnerable":
        assert case.expects, "a vulnerable case names the finding it must produce"
        assert case.klass in {expected.klass for expected in case.expects}
    else:
        assert not case.expects, "secured and safe cases expect no finding"
        if case.klass != "safe":
            assert case.klass in case.forbid
    for expected in case.expects:
        assert expected.klass in CLASSES
        assert expected.min_severity in SEVERITY_RANK
        lines = (case.path / expected.file).read_text().splitlines()
        assert expected.text in lines[expected.line - 1], (expected.file, expected.line)
        assert all(isinstance(name, str) and name for name in expected.names)
        if expected.alt_line is not None:
            assert expected.alt_text is not None
            assert expected.alt_text in lines[expected.alt_line - 1]


def test_every_class_has_its_three_anchor_variants() -> None:
    have = {(case.klass, case.variant) for case in CASES if case.style == "anchor"}
    missing = [
        (klass, variant)
        for klass in sorted(CLASSES)
        for variant in VARIANTS[:3]
        if (klass, variant) not in have
    ]
    assert missing == []


def test_native_classes_have_vulnerable_and_secured_variants() -> None:
    have = {(case.klass, case.variant) for case in CASES if case.style == "native"}
    missing = [
        klass
        for klass in NATIVE_CLASSES
        if (klass, "vulnerable") not in have
        or not {(klass, "secured_by_hand"), (klass, "secured_by_constraint")} & have
    ]
    assert missing == []


def test_the_set_has_multi_file_programs_and_safe_look_alikes() -> None:
    assert sum(case.layout == "multi-file" for case in CASES) >= 4
    assert sum(case.variant == "safe" for case in CASES) >= 8


def test_every_rust_file_parses_without_error_nodes() -> None:
    tree_sitter = pytest.importorskip("tree_sitter")
    tree_sitter_rust = pytest.importorskip("tree_sitter_rust")
    parser = tree_sitter.Parser(tree_sitter.Language(tree_sitter_rust.language()))
    broken = []
    for path in sorted(SET_ROOT.rglob("*.rs")):
        root = parser.parse(path.read_bytes()).root_node
        if root.has_error:
            broken.append(str(Path(path).relative_to(SET_ROOT)))
    assert broken == []


def test_scoring_counts_a_finding_within_two_lines_and_flags_the_rest() -> None:
    from tests.support.review_set import Seen, score_case

    case = next(case for case in CASES if case.id == "missing_signer/anchor_vulnerable")
    expected = case.expects[0]
    near = Seen("missing_signer", "critical", expected.file, expected.line + 2)
    far = Seen("missing_signer", "critical", expected.file, expected.line + 3)
    note = Seen("unchecked_account", "low", expected.file, 1)
    score = score_case(case, [near, far, note])
    assert [seen for _, seen in score.found] == [near]
    assert score.missed == [] and score.under_rated == []
    assert score.false_positives == [far]  # the low note is not counted
    assert score.false_alarms == []  # false alarms are for secured and safe cases only


def test_scoring_a_secured_case_separates_alarms_from_forbidden_notes() -> None:
    from tests.support.review_set import Seen, score_case

    case = next(case for case in CASES if case.id == "missing_signer/anchor_secured_by_hand")
    high = Seen("pda_sharing", "high", "programs/vault/src/lib.rs", 3)
    forbidden = Seen("missing_signer", "low", "programs/vault/src/lib.rs", 9)
    score = score_case(case, [high, forbidden])
    assert score.false_alarms == [high]
    assert score.forbidden == [forbidden]
    assert score.false_positives == [high]


def test_a_finding_below_the_labelled_severity_is_found_but_under_rated() -> None:
    from tests.support.review_set import Seen, score_case

    case = next(case for case in CASES if case.id == "missing_signer/anchor_vulnerable")
    expected = case.expects[0]
    weak = Seen("missing_signer", "medium", expected.file, expected.line)
    score = score_case(case, [weak])
    assert score.missed == []
    assert score.under_rated == [(expected, weak)]
