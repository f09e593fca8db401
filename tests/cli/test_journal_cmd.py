"""``liveswap history``: plain text, hostile reasons shown as written (no rich markup crash)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from liveswap.journal import Journal

REASON = "worker raised RuntimeError: [/] closing tag [bold]x \x1b[31m"


def test_history_shows_markup_and_control_characters_from_strategies_verbatim(
        home: Path, cli_env: dict[str, str]) -> None:
    journal = Journal(home / "state" / "journal.sqlite")
    journal.record_swap("start", None, "momentum==1.0.0", True, "first version of this home", None, 0)
    journal.record_swap("activate", "momentum==1.0.0", "momentum==1.1.0", False, REASON, None, 300)
    journal.record_swap("activate", "momentum==1.0.0", "momentum==1.2.0", True, "", 3.14159, 600)
    journal.record_control(9, False, "control.json [red]active[/red]: bad")
    journal.close()
    done = subprocess.run([sys.executable, "-m", "liveswap.cli.main", "history"], capture_output=True, text=True,
                          env=cli_env, timeout=60)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "[/] closing tag [bold]x \\x1b[31m" in out and "\x1b" not in out
    assert "control.json [red]active[/red]: bad" in out
    assert "3.14" in out and "REFUSED" in out
    assert out.splitlines()[0] == "history (newest first)"
    done = subprocess.run([sys.executable, "-m", "liveswap.cli.main", "history", "--json"], capture_output=True,
                          text=True, env=cli_env, timeout=60)
    assert REASON in [e["reason"] for e in json.loads(done.stdout)]  # --json keeps the bytes as they are
