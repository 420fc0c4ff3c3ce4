"""Build letter files (PDF, DOCX, zips) in memory for the file-extraction tests: no binary blobs on disk."""

from __future__ import annotations

import io
import os
import struct
import zipfile

import docx
from pypdf import PdfWriter
from pypdf.generic import (
    DecodedStreamObject,
    DictionaryObject,
    NameObject,
    NumberObject,
    StreamObject,
)

LETTER_SIZE = (612.0, 792.0)
A4_SIZE = (595.28, 841.89)

LETTER_LINES = [
    "Department of Internal Medicine, Riverside University Hospital",
    "410 Harbor Road, Springfield, IL 62704  Tel: +1 217 555 0100",
    "",
    "Date: March 3, 2025",
    "",
    "Dear Program Director,",
    "I supervised Dr. Amina Okafor for twelve weeks on our inpatient medicine service.",
    "She carried eight patients daily and presented them clearly on rounds.",
    "Sincerely,",
    "John Carter, MD",
    "Professor of Medicine, Riverside University Hospital",
]


def _escape(line: str) -> str:
    return line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def _helvetica() -> DictionaryObject:
    return DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type1"),
            NameObject("/BaseFont"): NameObject("/Helvetica"),
        }
    )


def _text_page(writer: PdfWriter, lines: list[str], size: tuple[float, float], rotate: int = 0) -> None:
    """Add one page that draws ``lines`` top-down in Helvetica 11 pt."""
    width, height = size
    page = writer.add_blank_page(width, height)
    page[NameObject("/Resources")] = DictionaryObject(
        {NameObject("/Font"): DictionaryObject({NameObject("/F1"): _helvetica()})}
    )
    ops = ["BT", "/F1 11 Tf", "14 TL", f"72 {height - 72:.2f} Td"]
    ops += [f"({_escape(line)}) Tj T*" for line in lines]
    ops.append("ET")
    stream = DecodedStreamObject()
    stream.set_data("\n".join(ops).encode("latin-1"))
    page.replace_contents(stream)
    if rotate:
        page.rotate(rotate)


def _write(writer: PdfWriter) -> bytes:
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def make_pdf(
    pages: list[list[str]] | None = None,
    size: tuple[float, float] = LETTER_SIZE,
    rotate: int = 0,
) -> bytes:
    """A text PDF: one page per list of lines (default: the standard letter on US Letter paper)."""
    writer = PdfWriter()
    for lines in pages if pages is not None else [LETTER_LINES]:
        _text_page(writer, lines, size, rotate)
    return _write(writer)


def numbered_pages_pdf(count: int) -> bytes:
    """``count`` pages, page N saying 'Marker page N.' so tests can see which pages were read."""
    return make_pdf([[f"Marker page {n}."] for n in range(1, count + 1)])


def blank_pdf(pages: int = 1, size: tuple[float, float] = LETTER_SIZE) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(*size)
    return _write(writer)


def _gray_image(width: int, height: int, pixels: bytes) -> StreamObject:
    image = DecodedStreamObject()
    image.set_data(pixels)
    image.update(
        {
            NameObject("/Type"): NameObject("/XObject"),
            NameObject("/Subtype"): NameObject("/Image"),
            NameObject("/Width"): NumberObject(width),
            NameObject("/Height"): NumberObject(height),
            NameObject("/ColorSpace"): NameObject("/DeviceGray"),
            NameObject("/BitsPerComponent"): NumberObject(8),
        }
    )
    return image


def image_only_pdf() -> bytes:
    """A 'scanned' page: one drawn grey image and no text at all."""
    writer = PdfWriter()
    page = writer.add_blank_page(*LETTER_SIZE)
    page[NameObject("/Resources")] = DictionaryObject(
        {NameObject("/XObject"): DictionaryObject({NameObject("/Im1"): _gray_image(4, 4, b"\x80" * 16)})}
    )
    content = DecodedStreamObject()
    content.set_data(b"q 468 0 0 648 72 72 cm /Im1 Do Q")
    page.replace_contents(content)
    return _write(writer)


def padded_letter_pdf(extra_bytes: int) -> bytes:
    """The standard letter plus an undrawn, incompressible image of ``extra_bytes`` pixels (a heavy scan)."""
    writer = PdfWriter()
    _text_page(writer, LETTER_LINES, LETTER_SIZE)
    resources = writer.pages[0][NameObject("/Resources")]
    resources[NameObject("/XObject")] = DictionaryObject(
        {NameObject("/Pad"): _gray_image(extra_bytes, 1, os.urandom(extra_bytes))}
    )
    return _write(writer)


def encrypt_pdf(data: bytes, user_password: str, owner_password: str | None = None) -> bytes:
    writer = PdfWriter(clone_from=io.BytesIO(data))
    writer.encrypt(user_password, owner_password)
    return _write(writer)


# --------------------------------------------------------------------------- DOCX


def make_docx(
    paragraphs: list[str],
    table: list[list[str]] | None = None,
    header: str | None = None,
    merge_first_row: bool = False,
) -> bytes:
    """A .docx with an optional header line, the paragraphs, then an optional table."""
    document = docx.Document()
    if header is not None:
        document.sections[0].header.paragraphs[0].text = header
    for text in paragraphs:
        document.add_paragraph(text)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                grid.cell(r, c).text = value
        if merge_first_row:
            grid.cell(0, 0).merge(grid.cell(0, len(table[0]) - 1))
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def zip_bytes(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as zf:
        for name, content in members.items():
            zf.writestr(name, content)
    return buffer.getvalue()


def many_small_members_zip(count: int, member_size: int) -> bytes:
    """``count`` members of ``member_size`` spaces each, plus word/document.xml (built by streaming)."""
    chunk = b" " * member_size
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("word/document.xml", b"<w:document/>")
        for n in range(count):
            zf.writestr(f"word/media/pad{n}.xml", chunk)
    return buffer.getvalue()


def declare_huge_member(data: bytes, declared_size: int = 0xFFFF0000) -> bytes:
    """Rewrite every central-directory entry to claim ``declared_size`` uncompressed bytes."""
    out = bytearray(data)
    start = out.find(b"PK\x01\x02")
    while start != -1:
        struct.pack_into("<I", out, start + 24, declared_size)
        start = out.find(b"PK\x01\x02", start + 4)
    return bytes(out)


def encrypted_office_file() -> bytes:
    """The outline of a password-protected Office file: an OLE container with an EncryptedPackage stream."""
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    return header + "EncryptedPackage".encode("utf-16-le") + b"\x00" * 512
