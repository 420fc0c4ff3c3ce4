"""The one escaper for user text shown in Discord (bot.advice.text.escape_text, wrapped by bot.embeds.safe)."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from bot.advice.text import escape_text
from bot.embeds import safe

_RENDER = re.compile(r"\\([^0-9A-Za-z\s])")


def rendered(text: str) -> str:
    """What Discord shows: a backslash before punctuation is hidden, the zero-width space is invisible."""
    return _RENDER.sub(r"\1", text).replace("\u200b", "")


def test_two_masked_links_on_one_line_are_both_dead():
    out = escape_text("[a](https://x.example) **b** [c](https://y.example)")
    assert "[" not in out.replace("\\[", "") and "**" not in out.replace("\\*", "")


def test_list_markers_headings_quotes_and_mentions_are_inert():
    out = escape_text("- item\n  1. first\n# Title\n> quote\n@everyone @here <@123456789012345678> <#1> <t:0:R>")
    assert out.splitlines()[0].startswith("\\-") and out.splitlines()[1].startswith("  1\\.")
    assert "\\#" in out and "\\>" in out and "@everyone" not in out and "@here" not in out
    assert "<@" not in out.replace("\\<", "") and "<#" not in out.replace("\\<", "")


def test_ordinary_text_is_unchanged():
    plain = "Dr Anna O'Neil - cardiology, 3 months (2024)."
    assert escape_text(plain) == plain


@given(st.text(max_size=300) | st.text(alphabet="-.1 \n\t\\*_[]()<>#@everyonhr", max_size=80))
def test_escaped_text_renders_as_typed(text: str) -> None:
    assert rendered(escape_text(text)) == text


@given(st.text(alphabet="\\*_ab[]", max_size=60), st.integers(min_value=2, max_value=40))
def test_a_cut_never_leaves_a_lone_backslash_before_the_ellipsis(text: str, limit: int) -> None:
    out = safe(text, limit)
    assert len(out) <= limit
    if out.endswith("…"):
        body = out[:-1]
        assert (len(body) - len(body.rstrip("\\"))) % 2 == 0
