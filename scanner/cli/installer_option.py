"""The --installer-account option shared by the commands that evaluate rules with Active Directory."""

from __future__ import annotations

from typing import Annotated

import typer

InstallerAccount = Annotated[str | None, typer.Option(
    "--installer-account", metavar="DOMAIN\\USER",
    help="The account that will run Exchange Setup: its AD groups decide the rules about the installing "
    "account (needs --ad). Without it those rules are reported as not judged.")]
