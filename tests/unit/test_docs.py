"""Docs are tested: every command has help and is in the README; the README's commands are the CI's."""

from __future__ import annotations

import re
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
    chromium = next(line for line in ci.splitlines() if line.startswith("command -v chromium"))
    test_line = next(line for line in ci.splitlines() if line.startswith("python3 -m venv"))
    assert f"```sh\n{chromium}\n{test_line}\n```" in README


COMMON = ("--config", "--db")  # documented once, in the README's "Common options" line
OPTION = re.compile(r"`(--?[a-z][a-z-]*)")


def option_rows() -> dict[str, str]:
    """The README's "Options per command" table: command name -> the text of its row."""
    table = README[README.index("Options per command"):].split("\n\n", 2)[1]
    rows = {}
    for line in table.splitlines()[2:]:
        name, options = re.fullmatch(r"\| `([a-z -]+)` \| (.*) \|", line).groups()
        rows[name] = options
    return rows


def test_each_commands_options_are_in_its_row_of_the_options_table() -> None:
    rows = option_rows()
    common = README[README.index("Common options:"):].split("\n\n")[0]
    assert all(f"`{option} " in common for option in COMMON)
    for name, command in commands(cli):
        if isinstance(command, click.Group):
            continue
        options = {o for p in command.params for o in getattr(p, "opts", []) if o.startswith("-")}
        own = sorted(options - {*COMMON, "--help"})
        if not own:
            continue
        assert name in rows, f"`{name}` has options {own} and no row in the README's options table"
        documented = set(OPTION.findall(rows[name]))
        assert [o for o in own if o not in documented] == [], f"{name}: options missing from its README row"
        assert sorted(documented - options) == [], f"{name}: its README row names options it does not have"
