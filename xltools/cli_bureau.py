"""CLI commands for the finance bureau: distribute templates to units, collect them back."""
from __future__ import annotations

import click


def register(group: click.Group) -> None:
    """Add the bureau's commands to the main ``xltools`` group."""
