"""Plain-text rendering: untrusted text is shown as written, never as markup or terminal control."""

from __future__ import annotations

from liveswap.cli.render import clean, grid, table

HOSTILE = ["[/]", "[bold]x", "\x1b[2J\x1b[31mred", "a\nbalance 1000000", "\x9b31m"]


def test_clean_escapes_control_characters_and_keeps_markup_literal() -> None:
    assert clean("[/] [bold]x") == "[/] [bold]x"
    assert clean("\x1b[2J") == "\\x1b[2J"
    assert clean("a\nb\r\x00\x9b") == "a\\x0ab\\x0d\\x00\\x9b"
    assert clean("héllo €") == "héllo €"


def test_grid_and_table_show_hostile_text_verbatim_on_one_line() -> None:
    text = grid([("last fault", s) for s in HOSTILE])
    assert len(text.splitlines()) == len(HOSTILE)
    assert "[/]" in text and "[bold]x" in text and "\x1b" not in text and "\x9b" not in text
    text = table("t", ("what", "reason"), [("x", s) for s in HOSTILE], width=60)
    assert "[/]" in text and "[bold]x" in text and "\x1b" not in text


def test_table_aligns_and_wraps_only_the_last_column() -> None:
    text = table("history", ("when", "n", "reason"), [("10:00", 1, "r" * 50), ("10:01", 22, "short")],
                 right=("n",), width=40)
    lines = text.splitlines()
    assert lines[0] == "history"
    assert lines[1].split() == ["when", "n", "reason"]
    assert lines[3].startswith("10:00   1  r")
    assert all(len(line) <= 40 for line in lines[3:]) and len(lines) == 6  # 50 r wrapped in two
    assert lines[-1].startswith("10:01  22  short")
    assert table("empty", ("a", "b"), []).splitlines()[-1] == "(none)"
