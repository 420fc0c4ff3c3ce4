"""Read an uploaded letter (.txt, .pdf, .docx) into plain text, safely, and check a PDF against ERAS rules.

Everything here is synchronous and CPU-bound; the Discord layer calls :func:`extract_letter_file_async`,
which runs the work in a thread with a timeout. Every failure, including any library error, comes out as
a :class:`FileProblem` with a friendly ``user_message`` and a short ``code``.
"""

from __future__ import annotations

import asyncio
import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from datetime import date, timedelta
from pathlib import PurePath
from typing import TYPE_CHECKING, Literal, cast

from pydantic import BaseModel, ConfigDict

from bot.advice.vocab import ACCEPTABLE_MONTHS, FRESH_MONTHS, letter_age_months

if TYPE_CHECKING:  # imported where used: pypdf and python-docx (with lxml) cost ~30 MB of RSS at start-up
    from docx.document import Document as DocxDocument
    from docx.table import Table
    from docx.text.paragraph import Paragraph
    from pypdf import PageObject, PdfReader

FileKind = Literal["txt", "pdf", "docx"]
Status = Literal["ok", "warn", "fail"]
ProblemCode = Literal[
    "encrypted",
    "corrupt",
    "no_text_layer",
    "wrong_type",
    "too_large",
    "empty",
    "too_many_pages",
    "zip_bomb",
    "timeout",
]

#: File types we read, by extension (without the dot).
SUPPORTED: tuple[FileKind, ...] = ("pdf", "docx", "txt")
_SUPPORTED_TEXT = ".pdf, .docx or .txt"

_MB = 1024 * 1024


class FileLimits(BaseModel):
    """Bounds that keep one upload cheap to read."""

    model_config = ConfigDict(frozen=True)

    max_upload_bytes: int = 8 * _MB
    pdf_pages_read: int = 20
    pdf_pages_max: int = 200
    docx_max_uncompressed: int = 20 * _MB
    docx_max_ratio: int = 100
    #: Members smaller than this are not ratio-checked: tiny XML parts compress very well on their own.
    docx_ratio_min_size: int = 64 * 1024
    docx_max_members: int = 500
    max_text_chars: int = 200_000
    eras_max_pdf_bytes: int = 1 * _MB
    eras_ideal_pages: int = 2
    filename_max_chars: int = 80


LIMITS = FileLimits()


class FileProblem(Exception):
    """A file we cannot (or should not) read, with a message meant for the user."""

    def __init__(self, code: ProblemCode, user_message: str) -> None:
        super().__init__(code, user_message)
        self.code: ProblemCode = code
        self.user_message = user_message

    def __str__(self) -> str:
        return self.user_message

    def __repr__(self) -> str:
        return f"FileProblem(code={self.code!r}, user_message={self.user_message!r})"


class ReadinessItem(BaseModel):
    """One line of the ERAS upload checklist."""

    key: str
    label: str
    status: Status
    detail: str


class ExtractedFile(BaseModel):
    """The text of an uploaded letter plus what we noticed while reading it."""

    text: str
    kind: FileKind
    pages: int | None = None
    readiness: list[ReadinessItem] | None = None
    notes: list[str] = []


# --------------------------------------------------------------------------- entry points


def extract_letter_file(filename: str, data: bytes, *, today: date | None = None) -> ExtractedFile:
    """Read ``data`` (uploaded as ``filename``) into text; raise :class:`FileProblem` on any failure.

    ``today`` anchors the "how old is the letter" check; it defaults to the current date.
    """
    kind = _check_upload(filename, data)
    try:
        if kind == "txt":
            return _finish(_decode_text(data), "txt", None, [], None)
        if kind == "docx":
            return _extract_docx(data)
        return _extract_pdf(filename, data, today or date.today())
    except FileProblem:
        raise
    except Exception as exc:  # a library failed in a way we did not foresee: still the user's file
        raise FileProblem("corrupt", _CORRUPT[kind]) from exc


async def extract_letter_file_async(
    filename: str,
    data: bytes,
    *,
    timeout: float = 10.0,  # noqa: ASYNC109 - the Discord layer's agreed API takes a plain timeout
    today: date | None = None,
) -> ExtractedFile:
    """Run :func:`extract_letter_file` in a worker thread; give up after ``timeout`` seconds.

    The worker thread cannot be killed; it finishes in the background, bounded by :data:`LIMITS`.
    ``today`` is passed on (the bot gives its own clock's date).
    """
    work = asyncio.to_thread(extract_letter_file, filename, data, today=today)
    try:
        return await asyncio.wait_for(work, timeout)
    except TimeoutError:
        raise FileProblem("timeout", _TIMEOUT) from None


# --------------------------------------------------------------------------- messages

_PASTE = "or paste the letter text straight into the chat"
_TIMEOUT = (
    "Reading this file took too long, so I stopped. Try exporting it again as a plain PDF or .docx, "
    f"{_PASTE}."
)
_CORRUPT: dict[FileKind, str] = {
    "pdf": "This PDF looks damaged or incomplete (perhaps the download was cut off). Download or export it "
    f"again and re-upload it, {_PASTE}.",
    "docx": "This Word file looks damaged and I can't open it. Re-save it from Word or Google Docs, "
    f"export it as PDF, {_PASTE}.",
    "txt": f"I couldn't read this text file. Save it again as plain text (UTF-8), {_PASTE}.",
}
_ENCRYPTED_PDF = (
    "This PDF is password-protected or locked, so I can't open it. ERAS won't accept a protected PDF "
    "either: ask the writer to export a copy with no password or restrictions, " + _PASTE + "."
)
_ENCRYPTED_DOCX = (
    "This Word file is password-protected, so I can't open it. Remove the password (or export a PDF "
    f"without one) and upload it again, {_PASTE}."
)
_NO_TEXT = (
    "This PDF has no text I can read: it looks like a scanned image. A scan is fine for ERAS, but I can "
    "only review text, so paste the letter text here, or upload a text-based PDF or the .docx."
)
_EMPTY_TEXT = f"I couldn't find any text in this file. Check it is the right file, {_PASTE}."
_ZIP_BOMB = (
    "This .docx file is built in an unusual way (it would unpack into far more data than any letter "
    f"needs), so I won't open it. Re-save it from Word or Google Docs, export it as PDF, {_PASTE}."
)


def _wrong_type(reason: str) -> FileProblem:
    return FileProblem(
        "wrong_type",
        f"{reason} I can read letters as {_SUPPORTED_TEXT} files; upload one of those, {_PASTE}.",
    )


# --------------------------------------------------------------------------- type checks

_IMAGE_EXTS = {"png", "jpg", "jpeg", "gif", "heic", "heif", "webp", "bmp", "tif", "tiff"}
_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "PDF"),
    (b"PK\x03\x04", "zip archive"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "old-style Word (.doc) document"),
    (b"\x89PNG", "image"),
    (b"\xff\xd8\xff", "image"),
    (b"GIF8", "image"),
    (b"{\\rtf", "rich-text (.rtf) document"),
)
_OLE_ENCRYPTED_MARK = "EncryptedPackage".encode("utf-16-le")


def _sniff(data: bytes) -> str | None:
    """Name the kind of content from its first bytes, if it is a kind we recognise."""
    return next((name for magic, name in _SIGNATURES if data.startswith(magic)), None)


def _looks_like_docx(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            return "word/document.xml" in zf.namelist()
    except Exception:  # any damage means "not a docx we could name", never an error for the caller
        return False


def _extension(filename: str) -> str:
    return PurePath(filename.replace("\\", "/")).suffix.lower().lstrip(".")


def _check_upload(filename: str, data: bytes) -> FileKind:
    """Check extension, size and magic bytes before any parsing; return the kind to parse as."""
    ext = _extension(filename)
    if ext not in SUPPORTED:
        raise _wrong_type(_unsupported_reason(ext, data))
    if not data:
        raise FileProblem("empty", f"This file is empty (0 bytes). Export it again and upload it, {_PASTE}.")
    if len(data) > LIMITS.max_upload_bytes:
        raise FileProblem(
            "too_large",
            f"This file is {len(data) / _MB:.1f} MB; I read files up to {LIMITS.max_upload_bytes // _MB} MB. "
            f"A letter should be far smaller: export just the letter as PDF or .docx, {_PASTE}.",
        )
    kind = cast(FileKind, ext)  # one of SUPPORTED, checked above
    _check_content_matches(kind, data)
    return kind


def _unsupported_reason(ext: str, data: bytes) -> str:
    sniffed = _sniff(data)
    if ext == "doc" or sniffed == "old-style Word (.doc) document":
        return "This is an old-style Word (.doc) file: re-save it from Word or Google Docs as .docx or PDF."
    if ext in _IMAGE_EXTS or sniffed == "image":
        return "This looks like a photo or image, and I can't read text from images."
    if not ext:
        return "This file has no extension, so I can't tell what it is."
    return f"I can't read .{ext} files."


def _check_content_matches(kind: FileKind, data: bytes) -> None:
    """Reject content that does not match its extension (e.g. a PNG renamed to .pdf)."""
    sniffed = _sniff(data)
    if kind == "docx" and sniffed == "old-style Word (.doc) document" and _OLE_ENCRYPTED_MARK in data:
        raise FileProblem("encrypted", _ENCRYPTED_DOCX)
    expected = {"pdf": ("PDF",), "docx": ("zip archive",), "txt": (None, "rich-text (.rtf) document")}[kind]
    if sniffed not in expected:
        raise _wrong_type(f"The file is named .{kind}, but {_content_phrase(sniffed, data)}.")


def _content_phrase(sniffed: str | None, data: bytes) -> str:
    if sniffed is None:
        return "its contents are not in that format"
    if sniffed == "zip archive" and _looks_like_docx(data):
        sniffed = "Word (.docx) document"
    return f"its contents look like {'an' if sniffed[0] in 'aeiouAEIOU' else 'a'} {sniffed}"


# --------------------------------------------------------------------------- text helpers

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_BINARY_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f\ufffd]")  # U+FFFD marks bytes that failed to decode
_MANY_BLANK_LINES = re.compile(r"\n{3,}")


def _decode_text(data: bytes) -> str:
    """Decode a .txt upload: BOMs first, then UTF-8, then Windows-1252, then Latin-1; reject binary."""
    if data.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        text = data.decode("utf-32", errors="replace")
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = data.decode("utf-16", errors="replace")
    else:
        if b"\x00" in data:
            raise _wrong_type("The file is named .txt, but it contains binary data rather than text.")
        text = _decode_8bit(data)
    if len(_BINARY_CONTROL.findall(text)) > max(2, len(text) // 100):
        raise _wrong_type("The file is named .txt, but it contains binary data rather than text.")
    return text


def _decode_8bit(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def _normalise(text: str) -> str:
    """Unify line endings, drop control characters and trailing spaces, squeeze runs of blank lines."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ")
    text = "\n".join(line.rstrip() for line in _CONTROL.sub("", text).split("\n"))
    return _MANY_BLANK_LINES.sub("\n\n", text).strip()


def _finish(
    raw: str, kind: FileKind, pages: int | None, notes: list[str], readiness: list[ReadinessItem] | None
) -> ExtractedFile:
    """Normalise and cap the text, and refuse text that is only whitespace."""
    text = _normalise(raw)
    if not text:
        if kind == "pdf":
            raise FileProblem("no_text_layer", _NO_TEXT)
        raise FileProblem("empty", _EMPTY_TEXT)
    if len(text) > LIMITS.max_text_chars:
        text = text[: LIMITS.max_text_chars]
        notes = [*notes, f"The text was long: only the first {LIMITS.max_text_chars:,} characters were kept."]
    return ExtractedFile(text=text, kind=kind, pages=pages, readiness=readiness, notes=notes)


# --------------------------------------------------------------------------- DOCX


def _extract_docx(data: bytes) -> ExtractedFile:
    """Check the zip's central directory for bombs, then read headers, paragraphs and table cells."""
    import docx  # lazy: see the TYPE_CHECKING imports above

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as exc:
        raise FileProblem("corrupt", _CORRUPT["docx"]) from exc
    _check_zip_members(infos)
    if "word/document.xml" not in {info.filename for info in infos}:
        raise _wrong_type("The file is named .docx, but it is a zip archive without a Word document inside.")
    try:
        document = docx.Document(io.BytesIO(data))
        text = "\n".join(_docx_lines(document))
    except Exception as exc:
        raise FileProblem("corrupt", _CORRUPT["docx"]) from exc
    notes = ["ERAS takes letters as PDF only: the writer should upload a signed PDF on letterhead."]
    return _finish(text, "docx", None, notes, None)


def _check_zip_members(infos: list[zipfile.ZipInfo]) -> None:
    """Refuse archives that would unpack into far more than a letter needs."""
    if len(infos) > LIMITS.docx_max_members:
        raise FileProblem("zip_bomb", _ZIP_BOMB)
    if sum(info.file_size for info in infos) > LIMITS.docx_max_uncompressed:
        raise FileProblem("zip_bomb", _ZIP_BOMB)
    for info in infos:
        if info.file_size < LIMITS.docx_ratio_min_size:
            continue
        if info.file_size > LIMITS.docx_max_ratio * max(info.compress_size, 1):
            raise FileProblem("zip_bomb", _ZIP_BOMB)


def _docx_lines(document: DocxDocument) -> Iterator[str]:
    """Header text first (letterhead often lives there), then the body in reading order."""
    seen_headers: set[str] = set()
    for section in document.sections:
        headers = [section.header]
        if section.different_first_page_header_footer:
            headers.insert(0, section.first_page_header)
        for header in headers:
            if header.is_linked_to_previous:
                continue
            text = "\n".join(_block_lines(header.iter_inner_content())).strip()
            if text and text not in seen_headers:
                seen_headers.add(text)
                yield text
    yield from _block_lines(document.iter_inner_content())


def _block_lines(blocks: Iterable[Paragraph | Table]) -> Iterator[str]:
    """Paragraph text, and each table cell's content in row order (merged cells once)."""
    from docx.text.paragraph import Paragraph

    for block in blocks:
        if isinstance(block, Paragraph):
            yield block.text
            continue
        seen: set[object] = set()  # the cells' XML elements: holding them keeps lxml's proxies stable
        for row in block.rows:
            for cell in row.cells:
                if cell._tc not in seen:
                    seen.add(cell._tc)
                    yield from _block_lines(cell.iter_inner_content())


# --------------------------------------------------------------------------- PDF


def _extract_pdf(filename: str, data: bytes, today: date) -> ExtractedFile:
    """Open the PDF, read up to the page limit, and run the ERAS readiness checks."""
    from pypdf import PdfReader  # lazy: see the TYPE_CHECKING imports above

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        encrypted = reader.is_encrypted
    except Exception as exc:
        raise FileProblem("corrupt", _CORRUPT["pdf"]) from exc
    if encrypted:
        raise FileProblem("encrypted", _ENCRYPTED_PDF)
    try:
        total = len(reader.pages)
    except Exception as exc:
        raise FileProblem("corrupt", _CORRUPT["pdf"]) from exc
    if total == 0:
        raise FileProblem("corrupt", _CORRUPT["pdf"])
    if total > LIMITS.pdf_pages_max:
        raise FileProblem(
            "too_many_pages",
            f"This PDF has {total} pages. A recommendation letter should be one or two pages, and I only "
            f"open files up to {LIMITS.pdf_pages_max} pages: upload just the letter, {_PASTE}.",
        )
    page_texts, notes = _pdf_page_texts(reader, min(total, LIMITS.pdf_pages_read))
    if total > LIMITS.pdf_pages_read:
        notes.insert(0, f"Only the first {LIMITS.pdf_pages_read} of {total} pages were read.")
    sizes = [_page_size(page) for page in reader.pages[: len(page_texts)]]
    readiness = check_pdf_readiness(filename, len(data), total, sizes, page_texts, today)
    return _finish("\n\n".join(page_texts), "pdf", total, notes, readiness)


def _pdf_page_texts(reader: PdfReader, count: int) -> tuple[list[str], list[str]]:
    """Text of the first ``count`` pages; unreadable pages are skipped with a note. Stops at the text cap."""
    texts: list[str] = []
    skipped: list[int] = []
    length = 0
    for number in range(count):
        try:
            text = reader.pages[number].extract_text() or ""
        except Exception:  # one broken page should not lose the others
            skipped.append(number + 1)
            text = ""
        texts.append(text)
        length += len(text)
        if length > LIMITS.max_text_chars:
            break
    if len(skipped) == count:
        raise FileProblem("corrupt", _CORRUPT["pdf"])
    notes = [f"Page {n} could not be read and was skipped." for n in skipped]
    return texts, notes


def _page_size(page: PageObject) -> tuple[float, float]:
    """Width and height in points as displayed (after any /Rotate); (0, 0) if the box is unreadable."""
    try:
        width, height = abs(float(page.mediabox.width)), abs(float(page.mediabox.height))
        if page.rotation % 180 == 90:
            width, height = height, width
        return width, height
    except Exception:  # a malformed box only costs the page-size check
        return 0.0, 0.0


# --------------------------------------------------------------------------- ERAS readiness

_LETTER = (612.0, 792.0)
_A4 = (595.28, 841.89)
_SIZE_TOLERANCE = 2.0
_BAD_FILENAME_CHARS = "|*?:"


def check_pdf_readiness(
    filename: str,
    size_bytes: int,
    total_pages: int,
    page_sizes: list[tuple[float, float]],
    page_texts: list[str],
    today: date,
) -> list[ReadinessItem]:
    """The ERAS upload checklist for a letter PDF, one item per rule."""
    text = "\n".join(page_texts)
    return [
        _item("format", "PDF format", "ok", "The file is a PDF, as ERAS requires."),
        _item("not_encrypted", "No password or lock", "ok", "It opens without a password or restrictions."),
        _size_item(size_bytes),
        _page_size_item(page_sizes),
        _page_count_item(total_pages),
        _filename_item(filename),
        _date_item(text, today),
        _signature_item(text),
        _letterhead_item(page_texts[0] if page_texts else ""),
    ]


def _item(key: str, label: str, status: Status, detail: str) -> ReadinessItem:
    return ReadinessItem(key=key, label=label, status=status, detail=detail)


def _size_item(size_bytes: int) -> ReadinessItem:
    size = f"{size_bytes / 1024:.0f} KB" if size_bytes < _MB else f"{size_bytes / _MB:.1f} MB"
    limit = f"{LIMITS.eras_max_pdf_bytes / _MB:g} MB"
    if size_bytes <= LIMITS.eras_max_pdf_bytes:
        return _item("file_size", "File size", "ok", f"{size}, within the {limit} limit.")
    return _item(
        "file_size",
        "File size",
        "fail",
        f"{size} is over the {limit} limit for letter uploads. Re-export with smaller images "
        "(or 'reduce file size') and check the result still looks sharp.",
    )


def _close(a: tuple[float, float], b: tuple[float, float]) -> bool:
    return abs(a[0] - b[0]) <= _SIZE_TOLERANCE and abs(a[1] - b[1]) <= _SIZE_TOLERANCE


def _page_size_item(sizes: list[tuple[float, float]]) -> ReadinessItem:
    label = "Page size"
    if sizes and all(_close(size, _LETTER) for size in sizes):
        return _item("page_size", label, "ok", "US Letter (8.5 × 11 in).")
    if any(_close(size, _A4) for size in sizes):
        return _item(
            "page_size",
            label,
            "warn",
            "A4 paper rather than US Letter (8.5 × 11 in), so programs may see it scaled. Usually fine; "
            "if the writer can, export on Letter size.",
        )
    if any(_close(size, (_LETTER[1], _LETTER[0])) for size in sizes):
        return _item("page_size", label, "warn", "Landscape pages: a letter should be portrait US Letter.")
    odd = next((size for size in sizes if not _close(size, _LETTER)), (0.0, 0.0))
    return _item(
        "page_size",
        label,
        "warn",
        f"Pages are {odd[0] / 72:.1f} × {odd[1] / 72:.1f} in, not US Letter (8.5 × 11 in), so programs may "
        "see it scaled.",
    )


def _page_count_item(total: int) -> ReadinessItem:
    if total <= LIMITS.eras_ideal_pages:
        return _item("page_count", "Length", "ok", f"{total} page{'s' if total > 1 else ''}.")
    return _item(
        "page_count",
        "Length",
        "warn",
        f"{total} pages. Strong letters usually fit on one page, two at most; check nothing else "
        "(a CV, a second letter) is bundled in this file.",
    )


def _filename_item(filename: str) -> ReadinessItem:
    name = PurePath(filename.replace("\\", "/")).name
    bad = sorted({ch for ch in name if ch in _BAD_FILENAME_CHARS})
    if bad:
        return _item(
            "filename",
            "File name",
            "fail",
            f"The name contains {' '.join(bad)}, which the upload may reject. Rename it, e.g. "
            "'Lastname_Writer_LOR.pdf'.",
        )
    if len(name) > LIMITS.filename_max_chars:
        return _item(
            "filename",
            "File name",
            "warn",
            f"The name is {len(name)} characters long; keep it short, e.g. 'Lastname_Writer_LOR.pdf'.",
        )
    return _item("filename", "File name", "ok", "No characters the upload would reject.")


# Dates ---------------------------------------------------------------------

_MONTHS = {
    name: number
    for number, name in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1
    )
}
_MONTH = (
    r"(?P<{g}>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_ORD = r"(?:st|nd|rd|th)?"
_DATE_PATTERNS = (
    re.compile(rf"\b{_MONTH.format(g='mon')}\s+(?P<day>\d{{1,2}}){_ORD},?\s+(?P<year>(?:19|20)\d\d)\b", re.I),
    re.compile(
        rf"\b(?P<day>\d{{1,2}}){_ORD}\s+(?:of\s+)?{_MONTH.format(g='mon')},?\s+(?P<year>(?:19|20)\d\d)\b",
        re.I,
    ),
    re.compile(r"\b(?P<year>(?:19|20)\d\d)[-/.](?P<month>\d{1,2})[-/.](?P<day>\d{1,2})\b"),
    re.compile(r"\b(?P<num1>\d{1,2})[-/.](?P<num2>\d{1,2})[-/.](?P<year>(?:19|20)\d\d)\b"),
)
_WORD = re.compile(r"[A-Za-z]+")
_DATE_LINE_MAX_CHARS = 80


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _match_date(match: re.Match[str], today: date) -> date | None:
    """Turn one regex match into a date; for D/M vs M/D pick the latest reading not in the future."""
    year, groups = int(match["year"]), match.groupdict()
    if "mon" in groups:
        return _safe_date(year, _MONTHS[match["mon"][:3].lower()], int(match["day"]))
    if "month" in groups:
        return _safe_date(year, int(match["month"]), int(match["day"]))
    first, second = int(match["num1"]), int(match["num2"])
    readings = [d for d in (_safe_date(year, first, second), _safe_date(year, second, first)) if d]
    past = [d for d in readings if d <= today]
    return max(past or readings, default=None)


def _find_dates(text: str, today: date) -> tuple[list[date], list[date]]:
    """All full dates in the text, split into those on a line of their own and those inside sentences."""
    own_line: list[date] = []
    inline: list[date] = []
    for line in text.splitlines():
        for pattern in _DATE_PATTERNS:
            for match in pattern.finditer(line):
                found = _match_date(match, today)
                if found is not None:
                    (own_line if _is_date_line(line, match) else inline).append(found)
    return own_line, inline


def _is_date_line(line: str, match: re.Match[str]) -> bool:
    """A short line that is mostly the date, like 'Date: 3 March 2024' or 'Cairo, 3 March 2024'."""
    if len(line) > _DATE_LINE_MAX_CHARS:
        return False
    return len(_WORD.findall(line[: match.start()] + line[match.end() :])) <= 3


def _date_item(text: str, today: date) -> ReadinessItem:
    own_line, inline = _find_dates(text, today)
    label = "Date"
    if not own_line:
        if inline:
            return _item(
                "date",
                label,
                "warn",
                "I only found dates inside sentences. Make sure the letter itself is dated, near the top.",
            )
        return _item(
            "date", label, "fail", "No date found. An undated letter looks unofficial: ask for a dated copy."
        )
    dated = max(own_line)
    shown = f"{dated:%d %B %Y}".lstrip("0")
    if dated > today + timedelta(days=7):
        return _item("date", label, "warn", f"Dated {shown}, which is in the future: check the date.")
    age = letter_age_months(dated, today)
    if age > ACCEPTABLE_MONTHS:
        return _item(
            "date",
            label,
            "warn",
            f"Dated {shown}, more than {ACCEPTABLE_MONTHS} months ago. Programs prefer recent letters: "
            "ask the writer for an updated version dated this year.",
        )
    if age > FRESH_MONTHS:
        return _item(
            "date",
            label,
            "warn",
            f"Dated {shown}, over a year ago. Acceptable if you have stayed clinically active since; "
            "otherwise ask for an update.",
        )
    return _item("date", label, "ok", f"Dated {shown}.")


# Signature and letterhead ----------------------------------------------------

_CLOSING = re.compile(
    r"^\s*(?:yours\s+(?:sincerely|faithfully|truly|respectfully)|sincerely(?:\s+yours)?|respectfully(?:\s+yours)?"
    r"|(?:with\s+)?(?:best|kind|warm|warmest|kindest)\s+regards|regards|cordially|very\s+truly\s+yours"
    r"|with\s+(?:best\s+wishes|sincere\s+regards|warm\s+regards))\s*[,.!]?\s*$",
    re.I,
)
_DEGREE = re.compile(  # case-sensitive: "DO" is a degree, "do" is a verb
    r"(?<![A-Za-z])(?:M\.?D|D\.?O|MBBS|M\.B\.B\.S|MBChB|MBBCh|Ph\.?D|FRCP\w*|FRCS\w*|FACP|FACS|FAAP"
    r"|MRCP\w*|MRCS|FCPS|DNB|MPH|MSc|MS|MCh|DM|Dr)(?![A-Za-z])"
)
_JOB_TITLE = re.compile(
    r"\b(?:professor|prof|chair(?:man|woman|person)?|director|head\s+of|consultant|attending|chief"
    r"|dean|lecturer|registrar|physician|surgeon|fellow)\b",
    re.I,
)


def _short_lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _is_name_line(line: str) -> bool:
    """A short line carrying a degree or job title, like 'Jane Roe, MD' or 'Professor of Medicine'."""
    if len(line) > 90 or len(line.split()) > 12 or _SALUTATION.match(line):
        return False
    return bool(_DEGREE.search(line) or _JOB_TITLE.search(line))


def _signature_item(text: str) -> ReadinessItem:
    lines = _short_lines(text)
    closing_at = next((i for i in range(len(lines) - 1, -1, -1) if _CLOSING.match(lines[i])), None)
    tail = lines[closing_at + 1 : closing_at + 9] if closing_at is not None else lines[-4:]
    has_name = any(_is_name_line(line) for line in tail)
    label = "Signature block"
    if closing_at is not None and has_name:
        return _item(
            "signature",
            label,
            "ok",
            "A closing and a typed name with degree or title. Check the handwritten or digital signature "
            "sits above the typed name.",
        )
    if closing_at is not None:
        return _item(
            "signature",
            label,
            "warn",
            "A closing, but no typed name with degree and title under it: ask the writer to add one.",
        )
    if has_name:
        return _item(
            "signature",
            label,
            "warn",
            "A name with degree or title at the end, but no closing such as 'Sincerely'. Check the letter is "
            "complete and signed.",
        )
    return _item(
        "signature",
        label,
        "fail",
        "No closing or signed name found. The letter should end with a signature above the writer's typed "
        "name, degrees and title.",
    )


_INSTITUTION = re.compile(
    r"\b(?:hospitals?|universit(?:y|ies)|universit[éeà]|college|medical\s+(?:center|centre|school)"
    r"|school\s+of\s+medicine|faculty\s+of\s+medicine|department|dept\.?|division|clinics?|institute|infirmary"
    r"|health\s+(?:system|services|network|trust|science)|NHS|ministry\s+of\s+health|foundation)\b",
    re.I,
)
_CONTACT = re.compile(
    r"\b(?:tel|phone|ph|fax|mobile)\b\.?\s*:?\s*\+?\d|\+\d[\d\s\-()]{6,}|[\w.+-]+@[\w-]+\.[\w.-]+"
    r"|\bwww\.|https?://|\bp\.?\s?o\.?\s+box\b"
    r"|\b\d+\s+\w+(?:\s+\w+){0,3}\s+(?:street|st\.?|road|rd\.?|avenue|ave\.?|boulevard|blvd\.?|lane|drive|way)\b",
    re.I,
)
_TOP_LINE_MAX_CHARS = 200
_SALUTATION = re.compile(r"^\s*(?:dear\b|to\s+whom\b|to\s+the\b|re\s*:|subject\s*:)", re.I)


def _top_lines(first_page: str) -> list[str]:
    """The lines above the salutation on page 1 (at most eight)."""
    top: list[str] = []
    for line in _short_lines(first_page):
        if _SALUTATION.match(line) or len(top) == 8:
            break
        top.append(line[:_TOP_LINE_MAX_CHARS])
    return top


def _letterhead_item(first_page: str) -> ReadinessItem:
    top = "\n".join(_top_lines(first_page))
    has_institution = bool(_INSTITUTION.search(top))
    has_contact = bool(_CONTACT.search(top))
    label = "Letterhead"
    if has_institution and has_contact:
        return _item("letterhead", label, "ok", "Institution name and contact details at the top of page 1.")
    if has_institution:
        return _item(
            "letterhead",
            label,
            "ok",
            "Institution name at the top of page 1; an address or phone line would look more official.",
        )
    return _item(
        "letterhead",
        label,
        "warn",
        "No institution name at the top of page 1. If the letterhead is a logo image that's fine; otherwise "
        "ask for the letter on department or hospital letterhead (name and address at the top).",
    )
