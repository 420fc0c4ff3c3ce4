"""The bad-input catalogue: hostile strings and broken files, as data, for tests/test_bad_input.py.

Strings are grouped by the kind of trouble they cause; files are built in memory (nothing binary on disk)
with the builders in ``fixtures_files.py`` plus the broken variants added here.
"""

from __future__ import annotations

import io
import os
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass

import fixtures_files as fx

SNOWFLAKE = "123456789012345678"

#: name → hostile text. Every kind the issue lists appears at least once.
HOSTILE: dict[str, str] = {
    # empty and blank
    "empty": "",
    "space": " ",
    "whitespace_mix": " \t \u00a0\u2003\u3000 ",
    "newlines_only": "\n\r\n\n",
    "zero_width_only": "\u200b\u200c\u200d\u2060\ufeff",
    # size
    "long_10k": ("Reliable resident " * 600)[:10_000],
    "long_100k": ("lorem ipsum dolor " * 6000)[:100_000],
    "one_long_word": "Pneumonoultramicroscopicsilicovolcanoconiosis" * 140,
    # control characters
    "nul": "Dr\x00 Nul\x00l",
    "c0_controls": "Dr\x01\x07\x08\x0b\x0c\x1b[31mRed\x1b[0m\x1f Ana",
    "c1_controls": "Dr\x85 \x9b31m Ana\x9f",
    "del_char": "Dr\x7f Ana",
    "crlf_lines": "line one\r\nline two\rline three\n",
    "tabs": "Dr\tAna\tRao",
    # odd unicode
    "noncharacters": "Dr \uffff\ufffe\ufdd0 Ana",
    "replacement_char": "Dr \ufffd\ufffd Ana",
    "zero_width_inside": "Dr\u200b A\u200cn\u200da\u2060",
    "combining_storm": "Za" + "\u0336\u0335\u0334\u0337\u0338\u0301\u0300\u0302" * 60 + "lgo",
    "math_letters": "𝕯𝖗 𝕬𝖓𝖆 𝕽𝖆𝖔",
    "fullwidth": "Ｄｒ Ａｎａ",
    # right-to-left
    "bidi_override": "Dr \u202eoaR anA\u202c (\u2067x\u2069)",
    "arabic": "د. أحمد الخطيب",
    "hebrew": "ד״ר רחל כהן",
    "mixed_rtl": "Dr محمد Smith 2024 שלום",
    # emoji
    "emoji": "Dr 🩺 Ana 🎉",
    "emoji_zwj": "👩🏽‍⚕️ 👨‍👩‍👧‍👦 🏳️‍🌈",
    "flags": "🇮🇳🇵🇰🇳🇬🇺🇸🇪🇬",
    "emoji_only": "🙂",
    # mention injection
    "everyone": "@everyone @here look",
    "user_mention": f"<@{SNOWFLAKE}> and <@!{SNOWFLAKE}>",
    "role_mention": f"<@&{SNOWFLAKE}>",
    "channel_mention": f"<#{SNOWFLAKE}>",
    "slash_mention": f"</referee add:{SNOWFLAKE}>",
    # markdown injection
    "bold": "**bold** __under__ ~~strike~~ *it*",
    "spoiler": "||spoiler||",
    "code_fence": "```\nDROP\n``` after",
    "fence_breakout": "```\n@everyone ||x||\n```",
    "inline_code": "`code` ``double``",
    "link": "[click here](http://x.example/phish)",
    "two_links": "[a](http://x.example) **bold** [b](http://y.example)",
    "heading_quote_list": "# Heading\n> quote\n- item\n-# small",
    "backslashes": "\\ \\\\ \\* \\_",
    "timestamp": "<t:0:R>",
    # injection into other layers
    "sql": "Robert'); DROP TABLE referees;--",
    "format_string": "{0} {name} %s %(x)s {{}}",
    "html": "<script>alert(1)</script>",
    "path": "../../etc/passwd",
    "clear_token": "-",
    "custom_id_like": f"lor:refdel:{SNOWFLAKE}:1:yes",
}

#: The inputs whose echo must never carry a live mention or live markdown.
MENTION_INPUTS = ("everyone", "user_mention", "role_mention")
MARKDOWN_INPUTS = ("bold", "spoiler", "link", "two_links", "code_fence")

#: Raw mention syntax that would ping (or would, without allowed_mentions): must never appear unescaped.
_RAW_MENTION = re.compile(r"@(?:everyone|here)\b|<@[!&]?\d{17,20}>")
_FENCED = re.compile(r"```.*?```", re.S)
#: What a markdown input looks like if it was echoed without escaping (a backslash before it escapes it).
RAW_MARKUP = re.compile(r"(?<!\\)(?:\*\*bold\*\*|\|\|spoiler\|\||~~strike~~|\[[^\[\]\n]*\]\(https?://)")


def outside_code_blocks(text: str) -> str:
    """``text`` without well-formed fenced code blocks (inside them mentions and markdown are inert)."""
    return _FENCED.sub("", text)


def raw_mentions(text: str) -> list[str]:
    """Live mention syntax found outside fenced code blocks."""
    return _RAW_MENTION.findall(outside_code_blocks(text))


def raw_markup(text: str) -> list[str]:
    """Live markdown from :data:`MARKDOWN_INPUTS` found outside fenced code blocks."""
    return RAW_MARKUP.findall(outside_code_blocks(text))


def fit(value: str, low: int | None, high: int | None) -> str | None:
    """What a Discord client could send for an option with these length bounds (None: it can't)."""
    if low is not None and len(value) < low:
        return None
    return value if high is None else value[:high]


# --------------------------------------------------------------------------- broken files


@dataclass(frozen=True)
class BadFile:
    """One uploaded file: its bytes, whether a letter check should read it, and what the answer must say."""

    name: str
    filename: str
    build: Callable[[], bytes]
    readable: bool
    expect: str  # a regex (case-insensitive) the answer must match: the problem, or what was noticed


def _truncated(data: bytes, keep: float = 0.5) -> bytes:
    return data[: int(len(data) * keep)]


def pdf_bad_xref(startxref: bytes = b"99999999") -> bytes:
    """A PDF whose xref offsets and startxref all point at the wrong bytes (the objects are intact)."""
    data = fx.make_pdf()
    xref = data.rfind(b"\nxref\n")
    trailer = data.index(b"trailer", xref)
    entries = re.sub(rb"\d{10} (\d{5}) n", rb"0000000007 \1 n", data[xref:trailer])
    tail = re.sub(rb"startxref\s+\d+", b"startxref\n" + startxref, data[trailer:])
    return data[:xref] + entries + tail


def pdf_header_only() -> bytes:
    return b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n%%EOF\n"


def pdf_garbage_body() -> bytes:
    return b"%PDF-1.4\n" + bytes(range(256)) * 40 + b"\n%%EOF"


def docx_zip_bomb() -> bytes:
    """A small .docx whose one extra member inflates to 40 MB of zeros (about 40 KB on disk)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", "<w:document/>")
        with zf.open("word/media/bomb.bin", "w", force_zip64=True) as member:
            chunk = b"\0" * (1024 * 1024)
            for _ in range(40):
                member.write(chunk)
    return buffer.getvalue()


def docx_high_ratio() -> bytes:
    """A .docx with a 5 MB member of spaces: under the total cap, far over the compression-ratio cap."""
    return fx.zip_bytes({"word/document.xml": b"<w:document/>", "word/pad.xml": b" " * (5 * 1024 * 1024)})


def docx_declared_huge() -> bytes:
    return fx.declare_huge_member(fx.make_docx(["Dear Program Director,", "A fine letter."]))


def docx_many_members() -> bytes:
    return fx.many_small_members_zip(600, 10)


def zip_not_docx() -> bytes:
    return fx.zip_bytes({"readme.txt": b"just a zip", "photo.jpg": b"\xff\xd8\xff" + b"0" * 64})


def docx_missing_parts() -> bytes:
    """Has word/document.xml (so it sniffs as a docx) but no content types or relationships."""
    return fx.zip_bytes({"word/document.xml": b"<w:document><w:body><w:p/></w:body></w:document>"})


def docx_hostile_text() -> bytes:
    return fx.make_docx([HOSTILE["everyone"], HOSTILE["user_mention"], HOSTILE["bold"], *fx.LETTER_LINES])


def png_bytes() -> bytes:
    return b"\x89PNG\r\n\x1a\n" + b"\0\0\0\rIHDR" + os.urandom(64)


def big_pdf(size: int) -> bytes:
    return fx.padded_letter_pdf(size)


LETTER_TEXT = "\n".join(fx.LETTER_LINES)
LATIN1_TEXT = LETTER_TEXT.replace("Carter", "Carré").replace("Okafor", "Núñez")

EMPTY = r"empty|0 bytes"
DAMAGED = r"damaged|corrupt|incomplete|can't open"
LOCKED = r"password|locked|protected"
NO_TEXT = r"scan|no text"
BOMB = r"unusual|unpack|too large"
WRONG = r"can't read|named \.\w+, but"
READ = r"I read the file"

BAD_FILES: tuple[BadFile, ...] = (
    # empty
    BadFile("empty_pdf", "letter.pdf", lambda: b"", False, EMPTY),
    BadFile("empty_docx", "letter.docx", lambda: b"", False, EMPTY),
    BadFile("empty_txt", "letter.txt", lambda: b"", False, EMPTY),
    BadFile("blank_txt", "letter.txt", lambda: b"  \n\t\r\n  ", False, r"any text|no text"),
    # PDFs broken in every way
    BadFile("encrypted_pdf", "letter.pdf", lambda: fx.encrypt_pdf(fx.make_pdf(), "s3cret"), False, LOCKED),
    BadFile(
        "owner_locked_pdf", "letter.pdf", lambda: fx.encrypt_pdf(fx.make_pdf(), "", "owner"), False, LOCKED
    ),
    BadFile("truncated_pdf", "letter.pdf", lambda: _truncated(fx.make_pdf()), False, DAMAGED),
    BadFile("pdf_bad_xref", "letter.pdf", pdf_bad_xref, True, READ),  # the objects survive: pypdf rebuilds
    BadFile("pdf_header_only", "letter.pdf", pdf_header_only, False, DAMAGED),
    BadFile("pdf_garbage_body", "letter.pdf", pdf_garbage_body, False, DAMAGED),
    BadFile("scanned_pdf", "letter.pdf", fx.image_only_pdf, False, NO_TEXT),
    BadFile("blank_pdf", "letter.pdf", fx.blank_pdf, False, NO_TEXT),
    BadFile("pdf_over_1mb", "letter.pdf", lambda: big_pdf(1_300_000), True, r"❌[^\n]*1 MB"),
    BadFile("pdf_over_upload_cap", "letter.pdf", lambda: big_pdf(9 * 1024 * 1024), False, r"9\.0 MB.*8 MB"),
    BadFile("pdf_30_pages", "letter.pdf", lambda: fx.numbered_pages_pdf(30), True, r"first 20 of 30 pages"),
    BadFile("pdf_201_pages", "letter.pdf", lambda: fx.blank_pdf(201), False, r"201 pages"),
    # DOCX broken in every way
    BadFile("docx_zip_bomb", "letter.docx", docx_zip_bomb, False, BOMB),
    BadFile("docx_high_ratio", "letter.docx", docx_high_ratio, False, BOMB),
    BadFile("docx_declared_huge", "letter.docx", docx_declared_huge, False, BOMB),
    BadFile("docx_600_members", "letter.docx", docx_many_members, False, BOMB),
    BadFile("docx_not_a_zip", "letter.docx", lambda: b"This is plain text, not a zip." * 20, False, WRONG),
    BadFile("zip_not_docx", "letter.docx", zip_not_docx, False, r"without a Word document|can't read"),
    BadFile(
        "docx_truncated", "letter.docx", lambda: _truncated(fx.make_docx(fx.LETTER_LINES)), False, DAMAGED
    ),
    BadFile("docx_missing_parts", "letter.docx", docx_missing_parts, False, DAMAGED),
    BadFile("docx_encrypted", "letter.docx", fx.encrypted_office_file, False, LOCKED),
    BadFile("docx_hostile_text", "letter.docx", docx_hostile_text, True, READ),
    # wrong extensions
    BadFile("pdf_named_txt", "letter.txt", fx.make_pdf, False, r"named \.txt, but .*PDF"),
    BadFile(
        "docx_named_pdf",
        "letter.pdf",
        lambda: fx.make_docx(fx.LETTER_LINES),
        False,
        r"named \.pdf, but .*Word",
    ),
    BadFile("exe", "letter.exe", lambda: b"MZ\x90\x00" + os.urandom(200), False, r"\.exe"),
    BadFile("png", "letter.png", png_bytes, False, r"image"),
    BadFile("png_named_pdf", "letter.pdf", png_bytes, False, r"image"),
    BadFile("old_doc", "letter.doc", fx.encrypted_office_file, False, r"\.doc\b.*\.docx"),
    BadFile("no_extension", "letter", fx.make_pdf, False, r"extension"),
    BadFile("double_extension", "letter.pdf.exe", fx.make_pdf, False, r"\.exe"),
    BadFile("upper_case_ext", "LETTER.PDF", fx.make_pdf, True, READ),
    # text encodings
    BadFile("latin1_txt", "letter.txt", lambda: LATIN1_TEXT.encode("latin-1"), True, READ),
    BadFile("cp1252_txt", "letter.txt", lambda: "“Quoted” — dash. ".encode("cp1252") * 20, True, READ),
    BadFile("utf16_bom_txt", "letter.txt", lambda: LETTER_TEXT.encode("utf-16"), True, READ),
    BadFile("utf8_bom_txt", "letter.txt", lambda: LETTER_TEXT.encode("utf-8-sig"), True, READ),
    BadFile("binary_txt", "letter.txt", lambda: os.urandom(4000), False, r"binary"),
    BadFile("nul_txt", "letter.txt", lambda: b"Dear\x00Director\x00" * 30, False, r"binary"),
    BadFile("hostile_txt", "letter.txt", lambda: hostile_letter().encode(), True, READ),
    BadFile(
        "huge_txt_100k", "letter.txt", lambda: HOSTILE["long_100k"].encode(), True, r"100,000 characters"
    ),
    BadFile(
        "rtl_emoji_txt", "letter.txt", lambda: (HOSTILE["arabic"] + HOSTILE["emoji_zwj"]).encode(), True, READ
    ),
    # hostile file names
    BadFile("name_forbidden_chars", "my|letter*final?:v2.pdf", fx.make_pdf, True, r"File name[^\n]*contains"),
    BadFile("name_very_long", "L" * 240 + ".pdf", fx.make_pdf, True, r"File name[^\n]*244 characters"),
    BadFile("name_mentions", "@everyone <@&123456789012345678> **x**.pdf", fx.make_pdf, True, READ),
    BadFile("name_bidi", "letter\u202efdp.exe", fx.make_pdf, False, r"\.exe"),
    BadFile(
        "name_path",
        "../../etc/letter.txt",
        lambda: LETTER_TEXT.encode(),
        True,
        r"I read the file letter\.txt",
    ),
)


def hostile_letter() -> str:
    """A real letter with mention and markdown injections between its lines."""
    lines = [HOSTILE[k] for k in (*MENTION_INPUTS, *MARKDOWN_INPUTS)]
    return "\n".join([*lines, LETTER_TEXT])


# --------------------------------------------------------------------------- kinds and subsets

#: Each hostile string belongs to one kind; a representative subset takes some of every kind.
KINDS: dict[str, tuple[str, ...]] = {
    "blank": ("empty", "space", "whitespace_mix", "newlines_only", "zero_width_only"),
    "size": ("long_10k", "long_100k", "one_long_word"),
    "control": ("nul", "c0_controls", "c1_controls", "del_char", "crlf_lines", "tabs"),
    "unicode": (
        "noncharacters",
        "replacement_char",
        "zero_width_inside",
        "combining_storm",
        "math_letters",
        "fullwidth",
    ),
    "rtl": ("bidi_override", "arabic", "hebrew", "mixed_rtl"),
    "emoji": ("emoji", "emoji_zwj", "flags", "emoji_only"),
    "mention": ("everyone", "user_mention", "role_mention", "channel_mention", "slash_mention"),
    "markdown": (
        "bold",
        "spoiler",
        "code_fence",
        "fence_breakout",
        "inline_code",
        "link",
        "two_links",
        "heading_quote_list",
        "backslashes",
        "timestamp",
    ),
    "injection": ("sql", "format_string", "html", "path", "clear_token", "custom_id_like"),
}
#: Always in a subset: the cases most likely to break something.
ESSENTIAL = ("empty", "long_100k", "nul", "bidi_override", "everyone", "bold")


def kind_of(name: str) -> str:
    return next(kind for kind, names in KINDS.items() if name in names)


def representative(position: int, per_kind: int = 1) -> list[str]:
    """``per_kind`` strings of every kind (which ones rotates with ``position``) plus :data:`ESSENTIAL`."""
    picked = list(ESSENTIAL)
    for names in KINDS.values():
        for step in range(per_kind):
            name = names[(position * per_kind + step) % len(names)]
            if name not in picked:
                picked.append(name)
    return [name for name in HOSTILE if name in picked]
