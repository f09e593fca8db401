"""A stopped host's last words: the log line taken apart by hand as the regular expressions did."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st
from liveswap.home.last_words import last_words, parse_log_line, strip_ansi

LOG_LINE = re.compile(r"^\S+ (\d\d:\d\d:\d\d)\S* \| (\w+)\s*\| \S+ - (.*)$")  # what parse_log_line replaced
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")  # what strip_ansi replaced

REAL = "2026-11-25 17:30:57.820 | INFO     | liveswap.host:run:88 - stopped: balance 998.88"
PIECES = st.sampled_from(["2026-11-25", " ", "17:30:57", ".820", " | ", "INFO", "   ", "|", "-", " - ", "a:b:1",
                          "msg", "\t", "\u0663", "é", "_", "x", "\x1b[", "31", ";", "m", "\x1b[0m", "1", ":"])
LINES = st.lists(PIECES, max_size=14).map("".join) | st.text(max_size=40)


@settings(max_examples=3000, deadline=None)
@given(LINES)
def test_a_log_line_is_parsed_as_the_regular_expression_did(line: str) -> None:
    if "\n" in line:
        return  # a line of splitlines() never has one
    match = LOG_LINE.match(line)
    assert parse_log_line(line) == (match.groups() if match else None)


@settings(max_examples=3000, deadline=None)
@given(LINES)
def test_colour_codes_are_stripped_as_the_regular_expression_did(text: str) -> None:
    assert strip_ansi(text) == ANSI.sub("", text)


def test_the_last_line_of_the_log_or_the_exit_reason(tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "logs").mkdir()
    (tmp_path / "logs" / "liveswap.log").write_text(f"first\n\x1b[31m{REAL}\x1b[0m\n\n")
    assert parse_log_line(REAL) == ("17:30:57", "INFO", "stopped: balance 998.88")
    assert last_words(tmp_path) == "17:30:57 INFO stopped: balance 998.88"
    assert last_words(str(tmp_path), {"exit_reason": "killed by\n  SIGTERM"}) == "killed by SIGTERM"
    assert last_words(tmp_path / "nowhere") is None
