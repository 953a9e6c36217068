"""`exready checks explain` with a part of a rule's id suggests the ids that contain it."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from scanner.cli import EXIT_RUN_FAILED, build_app


@pytest.mark.parametrize(("given", "suggested"), [
    ("ucma", "UcmaRedistMsi"),
    ("UCMA", "UcmaRedistMsi"),
    ("kb2999226", "KB2999226NotInstalled"),
])
def test_a_partial_name_suggests_the_ids_containing_it(given: str, suggested: str) -> None:
    result = CliRunner().invoke(build_app(), ["checks", "explain", given, "--lang", "en"])
    assert result.exit_code == EXIT_RUN_FAILED
    lines = result.output.splitlines()
    assert len(lines) == 1, result.output
    assert f"no rule named '{given}' (did you mean " in lines[0] and suggested in lines[0]


def test_many_matches_are_cut_with_an_ellipsis() -> None:
    result = CliRunner().invoke(build_app(), ["checks", "explain", "e", "--lang", "en"])
    assert result.exit_code == EXIT_RUN_FAILED
    hint = result.output.split("(did you mean ", 1)[1].split("?)", 1)[0]
    assert hint.endswith(", ...") and len(hint.split(", ")) == 7
