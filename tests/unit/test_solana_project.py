"""Workspace detection on small trees, and the commands each kind of project gets."""

from __future__ import annotations

from pathlib import Path

from solcoder.solana import project as solana_project
from solcoder.solana.project import (
    Program,
    Project,
    build_command,
    check_command,
    detect,
    which_tools,
)

ALL_TOOLS = {name: f"/usr/bin/{name}" for name in ("cargo", "cargo-build-sbf", "anchor")}


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def anchor_workspace(root: Path) -> Path:
    return write(
        root,
        {
            "Anchor.toml": (
                '[provider]\ncluster = "localnet"\nwallet = "~/.config/solana/id.json"\n\n'
                '[programs.localnet]\nmy_counter = "Count1111111111111111111111111111111111111"\n'
                '[programs.devnet]\nmy_counter = "Count1111111111111111111111111111111111111"\n'
            ),
            "Cargo.toml": '[workspace]\nmembers = ["programs/*"]\nresolver = "2"\n',
            "programs/my-counter/Cargo.toml": (
                '[package]\nname = "my-counter"\nversion = "0.1.0"\nedition = "2021"\n\n'
                '[lib]\ncrate-type = ["cdylib", "lib"]\nname = "my_counter"\n\n'
                '[dependencies]\nanchor-lang = "1.0.0"\n'
            ),
            "programs/my-counter/src/lib.rs": "",
        },
    )


def test_an_anchor_workspace(tmp_path: Path) -> None:
    project = detect(anchor_workspace(tmp_path))
    assert project.kind == "anchor"
    (program,) = project.programs
    assert (program.name, program.package, program.framework) == (
        "my_counter",
        "my-counter",
        "anchor",
    )
    assert program.manifest == Path("programs/my-counter/Cargo.toml")
    assert set(program.addresses) == {"localnet", "devnet"}
    assert project.program("my-counter") is program
    assert build_command(project) == ["anchor", "build"]
    assert build_command(project, program="my-counter") == ["anchor", "build", "-p", "my_counter"]
    assert solana_project.test_command(project) == ["anchor", "test"]
    assert solana_project.test_command(project, validator_running=True) == [
        "anchor",
        "test",
        "--skip-local-validator",
    ]
    assert check_command(project) == [
        "cargo",
        "check",
        "--all-targets",
        "--message-format=json",
    ]


def test_a_program_named_only_in_anchor_toml_is_still_listed(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "Anchor.toml": (
                '[programs.localnet]\nvault = "Vau1t111111111111111111111111111111111111"\n'
            )
        },
    )
    project = detect(tmp_path)
    assert project.kind == "anchor"
    assert [(p.name, p.manifest) for p in project.programs] == [("vault", None)]


def test_a_native_program_crate(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "Cargo.toml": (
                '[package]\nname = "escrow"\nversion = "0.1.0"\nedition = "2021"\n\n'
                '[lib]\ncrate-type = ["cdylib", "lib"]\n\n'
                '[dependencies]\nsolana-program = "2.2"\n'
            ),
            "src/lib.rs": "",
        },
    )
    project = detect(tmp_path)
    assert project.kind == "cargo"
    assert project.programs == (Program("escrow", "escrow", Path("Cargo.toml"), "native"),)
    assert build_command(project) == ["cargo", "build-sbf", "--", "--message-format=json"]
    assert build_command(project, program="escrow", tools=ALL_TOOLS) == [
        "cargo",
        "build-sbf",
        "--manifest-path",
        "Cargo.toml",
        "--",
        "--message-format=json",
    ]
    assert solana_project.test_command(project, program="escrow") == [
        "cargo",
        "test",
        "--no-fail-fast",
        "--message-format=json",
        "-p",
        "escrow",
    ]


def test_a_cargo_workspace_with_a_renamed_pinocchio_program(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "Cargo.toml": '[workspace]\nmembers = ["crates/*"]\nexclude = ["crates/old"]\n',
            "crates/fast/Cargo.toml": (
                '[package]\nname = "fast"\nversion = "0.1.0"\n\n'
                '[dependencies]\npino = { package = "pinocchio", version = "0.9" }\n'
            ),
            "crates/cli/Cargo.toml": '[package]\nname = "cli"\nversion = "0.1.0"\n',
            "crates/old/Cargo.toml": (
                '[package]\nname = "old"\nversion = "0.1.0"\n\n'
                '[dependencies]\nsolana-program = "1.18"\n'
            ),
        },
    )
    project = detect(tmp_path)
    assert project.kind == "cargo"
    assert [p.name for p in project.programs] == ["fast"]
    assert set(project.crates) == {Path("crates/cli/Cargo.toml"), Path("crates/fast/Cargo.toml")}


def test_a_missing_solana_toolchain_is_reported_not_replaced(tmp_path: Path) -> None:
    write(
        tmp_path,
        {"Cargo.toml": '[package]\nname = "p"\n\n[dependencies]\nsolana-program = "2"\n'},
    )
    project = detect(tmp_path)
    answer = build_command(project, tools={"cargo": "/usr/bin/cargo", "cargo-build-sbf": None})
    assert isinstance(answer, str)
    assert "`cargo build-sbf` is not installed" in answer
    assert "release.anza.xyz" in answer
    assert "cargo check" in answer
    assert solana_project.test_command(project, tools={"cargo": "/usr/bin/cargo"})[:2] == [
        "cargo",
        "test",
    ]
    anchor = detect(anchor_workspace(tmp_path / "anchor"))
    assert "avm" in str(solana_project.test_command(anchor, tools={"cargo": "/usr/bin/cargo"}))


def test_a_plain_rust_crate(tmp_path: Path) -> None:
    write(tmp_path, {"Cargo.toml": '[package]\nname = "tool"\nversion = "0.1.0"\n'})
    project = detect(tmp_path)
    assert (project.kind, project.programs) == ("cargo", ())
    assert project.crates == (Path("Cargo.toml"),)
    assert build_command(project) == ["cargo", "build", "--message-format=json"]
    assert solana_project.test_command(project)[:3] == ["cargo", "test", "--no-fail-fast"]


def test_nothing_to_build(tmp_path: Path) -> None:
    project = detect(tmp_path)
    assert project == Project(tmp_path, "none")
    for answer in (
        build_command(project),
        solana_project.test_command(project),
        check_command(project),
    ):
        assert isinstance(answer, str)
        assert "No Anchor.toml or Cargo.toml" in answer


def test_unknown_program_and_broken_manifests(tmp_path: Path) -> None:
    write(tmp_path, {"Cargo.toml": '[workspace]\nmembers = ["bad"]\n', "bad/Cargo.toml": "[pack"})
    project = detect(tmp_path)
    assert project.kind == "cargo"
    assert len(project.problems) == 1
    assert project.problems[0].startswith("bad/Cargo.toml:")
    answer = build_command(project, program="nope")
    assert answer == "No program named 'nope' in this workspace (programs: none found)."


def test_members_outside_the_root_are_not_read(tmp_path: Path) -> None:
    write(
        tmp_path / "outside",
        {"Cargo.toml": '[package]\nname = "x"\n[dependencies]\npinocchio = "1"\n'},
    )
    root = write(tmp_path / "root", {"Cargo.toml": '[workspace]\nmembers = ["../outside"]\n'})
    assert detect(root).crates == ()


def test_which_tools_names_every_tool() -> None:
    tools = which_tools()
    assert {"cargo", "cargo-build-sbf", "anchor", "solana"} <= set(tools)
    assert all(path is None or isinstance(path, str) for path in tools.values())
