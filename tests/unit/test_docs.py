"""Docs are tested: every command has help and is in the README; the README's commands are the CI's."""

from __future__ import annotations

from pathlib import Path

import click
from click.testing import CliRunner

from collector.cli import cli

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()


def commands(group: click.Group, prefix: str = "") -> list[tuple[str, click.Command]]:
    found = []
    for name, command in sorted(group.commands.items()):
        found.append((f"{prefix}{name}", command))
        if isinstance(command, click.Group):
            found += commands(command, f"{prefix}{name} ")
    return found


def test_every_command_has_help_and_is_documented() -> None:
    names = [name for name, _ in commands(cli)]
    assert {"collect", "backfill", "schedule", "query", "export", "import", "status", "demo", "views"} <= set(names)
    for name, command in commands(cli):
        assert command.help, name
        assert f"openwave {name}" in README, f"`openwave {name}` is not in the README"
        result = CliRunner().invoke(cli, [*name.split(), "--help"])
        assert result.exit_code == 0 and "Usage:" in result.output, name


def test_readme_test_command_is_what_ci_runs() -> None:
    ci = (ROOT / ".ci" / "run").read_text()
    test_line = next(line for line in ci.splitlines() if line.startswith("python3 -m venv"))
    assert f"```sh\n{test_line}\n```" in README


def test_every_option_is_in_the_readme() -> None:
    for name, command in commands(cli):
        for param in command.params:
            for option in getattr(param, "opts", []):
                if option.startswith("--") and option not in ("--help", "--version"):
                    assert f"`{option}" in README or f" {option}" in README, f"{name} {option}"
