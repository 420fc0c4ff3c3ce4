"""Letter file extraction (.txt, .pdf, .docx) and the ERAS upload checklist for PDFs."""

from __future__ import annotations

import io
import pickle
import sys
import time
import zipfile
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).parent))

import fixtures_files as fx

from bot.advice.files import (
    LIMITS,
    SUPPORTED,
    ExtractedFile,
    FileProblem,
    ReadinessItem,
    check_pdf_readiness,
    extract_letter_file,
    extract_letter_file_async,
)

TODAY = date(2025, 6, 1)  # the standard letter is dated March 3, 2025
ALL_CODES = {
    "encrypted", "corrupt", "no_text_layer", "wrong_type", "too_large", "empty",
    "too_many_pages", "zip_bomb", "timeout",
}  # fmt: skip


def problem(filename: str, data: bytes) -> FileProblem:
    with pytest.raises(FileProblem) as caught:
        extract_letter_file(filename, data, today=TODAY)
    return caught.value


def statuses(result: ExtractedFile) -> dict[str, str]:
    assert result.readiness is not None
    return {item.key: item.status for item in result.readiness}


def item(result: ExtractedFile, key: str) -> ReadinessItem:
    assert result.readiness is not None
    return next(i for i in result.readiness if i.key == key)


def pdf_result(lines: list[str], filename: str = "Carter_LOR.pdf") -> ExtractedFile:
    return extract_letter_file(filename, fx.make_pdf([lines]), today=TODAY)


# --------------------------------------------------------------------------- text files


def test_utf8_text_is_read_and_normalised() -> None:
    data = b"Dear Program Director,\r\nShe was excellent.   \r\n\r\n\r\n\r\nSincerely,\r\n"
    result = extract_letter_file("letter.txt", data)
    assert result.kind == "txt"
    assert result.text == "Dear Program Director,\nShe was excellent.\n\nSincerely,"
    assert result.pages is None and result.readiness is None and result.notes == []


def test_utf8_bom_is_dropped() -> None:
    result = extract_letter_file("letter.txt", b"\xef\xbb\xbfDr. M\xc3\xbcller is superb.")
    assert result.text == "Dr. Müller is superb."


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32"])
def test_utf16_and_utf32_with_bom(encoding: str) -> None:
    text = "Dr. Müller — résumé attached. 她很优秀。"
    bom = {"utf-16-be": b"\xfe\xff"}.get(encoding, b"")
    result = extract_letter_file("letter.TXT", bom + text.encode(encoding))
    assert result.text == text


def test_windows_1252_text_falls_back_cleanly() -> None:
    result = extract_letter_file("letter.txt", "“Excellent” résumé".encode("cp1252"))
    assert result.text == "“Excellent” résumé"


def test_latin1_bytes_undefined_in_cp1252_still_decode() -> None:
    result = extract_letter_file("letter.txt", b"caf\xe9 \x81 ok")
    assert result.text.startswith("café") and result.text.endswith("ok")


@pytest.mark.parametrize(
    "data",
    [
        bytes(range(256)) * 4,
        b"PK\x03\x04" + b"\x00" * 60,
        b"\x89PNG\r\n\x1a\n" + b"\x00\x01\x02" * 30,
        b"Looks like text\x00\x00\x00 with NULs",
        b"abc" + b"\x01\x02\x03\x04\x05\x06" * 20,
    ],
)
def test_binary_named_txt_is_wrong_type(data: bytes) -> None:
    assert problem("letter.txt", data).code == "wrong_type"


def test_pdf_named_txt_is_wrong_type_and_says_so() -> None:
    caught = problem("letter.txt", fx.make_pdf())
    assert caught.code == "wrong_type"
    assert "PDF" in caught.user_message


def test_whitespace_only_text_is_empty() -> None:
    assert problem("letter.txt", b" \n\t\r\n   ").code == "empty"


def test_long_text_is_capped_with_a_note() -> None:
    data = ("word " * 60_000).encode()
    result = extract_letter_file("letter.txt", data)
    assert len(result.text) == LIMITS.max_text_chars
    assert any(f"{LIMITS.max_text_chars:,}" in note for note in result.notes)


@pytest.mark.parametrize(
    "data",
    [
        b" " * 1_000_000 + b"x",
        b"a." * 500_000,
        (b"1 " * 100_000 + b"\n") * 5,
        (b"march 3 " * 60_000 + b"\n") * 2,
    ],
)
def test_one_megabyte_of_awkward_text_is_linear(data: bytes) -> None:
    start = time.perf_counter()
    extract_letter_file("letter.txt", data)
    assert time.perf_counter() - start < 1.0


# --------------------------------------------------------------------------- upload checks


@pytest.mark.parametrize("ext", SUPPORTED)
def test_zero_bytes_is_empty(ext: str) -> None:
    caught = problem(f"letter.{ext}", b"")
    assert caught.code == "empty"
    assert "0 bytes" in caught.user_message


def test_too_large_is_refused_before_parsing() -> None:
    data = b"%PDF-1.7\n" + b"\x00" * LIMITS.max_upload_bytes
    caught = problem("letter.pdf", data)
    assert caught.code == "too_large"
    assert "8 MB" in caught.user_message


def test_png_bytes_named_pdf_is_wrong_type() -> None:
    caught = problem("letter.pdf", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100)
    assert caught.code == "wrong_type"
    assert "image" in caught.user_message


def test_docx_named_pdf_names_the_real_type() -> None:
    caught = problem("letter.pdf", fx.make_docx(["Hello."]))
    assert caught.code == "wrong_type"
    assert ".docx" in caught.user_message and "Word" in caught.user_message


def test_pdf_named_docx_is_wrong_type() -> None:
    assert problem("letter.docx", fx.make_pdf()).code == "wrong_type"


@pytest.mark.parametrize(
    ("filename", "data", "hint"),
    [
        ("letter.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, ".doc"),
        ("scan.png", b"\x89PNG\r\n\x1a\n", "image"),
        ("photo.JPG", b"\xff\xd8\xff\xe0", "image"),
        ("setup.exe", b"MZ\x90\x00", ".exe"),
        ("letter", b"Dear Program Director", "no extension"),
    ],
)
def test_unsupported_types_name_what_is_supported(filename: str, data: bytes, hint: str) -> None:
    caught = problem(filename, data)
    assert caught.code == "wrong_type"
    assert hint in caught.user_message
    for ext in SUPPORTED:
        assert f".{ext}" in caught.user_message


# --------------------------------------------------------------------------- PDF


def test_letter_pdf_reads_text_and_passes_every_check() -> None:
    result = extract_letter_file("Carter_LOR.pdf", fx.make_pdf(), today=TODAY)
    assert result.kind == "pdf" and result.pages == 1
    for line in fx.LETTER_LINES:
        assert line in result.text
    assert statuses(result) == {
        "format": "ok", "not_encrypted": "ok", "file_size": "ok", "page_size": "ok", "page_count": "ok",
        "filename": "ok", "date": "ok", "signature": "ok", "letterhead": "ok",
    }  # fmt: skip
    assert "3 March 2025" in item(result, "date").detail
    assert all(i.label and i.detail for i in result.readiness or [])


def test_a4_pdf_warns_about_scaling() -> None:
    result = extract_letter_file("Carter_LOR.pdf", fx.make_pdf(size=fx.A4_SIZE), today=TODAY)
    page_size = item(result, "page_size")
    assert page_size.status == "warn"
    assert "A4" in page_size.detail and "scaled" in page_size.detail


def test_landscape_letter_warns() -> None:
    result = extract_letter_file("Carter_LOR.pdf", fx.make_pdf(rotate=90), today=TODAY)
    assert item(result, "page_size").status == "warn"
    assert "Landscape" in item(result, "page_size").detail


def test_legal_size_is_not_letter() -> None:
    result = extract_letter_file("Carter_LOR.pdf", fx.make_pdf(size=(612, 1008)), today=TODAY)
    assert item(result, "page_size").status == "warn"
    assert "8.5 × 14.0 in" in item(result, "page_size").detail


def test_size_within_two_points_counts_as_letter() -> None:
    result = extract_letter_file("Carter_LOR.pdf", fx.make_pdf(size=(613.5, 790.5)), today=TODAY)
    assert item(result, "page_size").status == "ok"


@pytest.mark.parametrize(("user", "owner"), [("secret", None), ("", "owner-only")])
def test_encrypted_pdf_is_refused(user: str, owner: str | None) -> None:
    caught = problem("Carter_LOR.pdf", fx.encrypt_pdf(fx.make_pdf(), user, owner))
    assert caught.code == "encrypted"
    assert "ERAS" in caught.user_message and "password" in caught.user_message


@pytest.mark.parametrize("lost", [0.7, 0.4, 0.05, len(b"%%EOF\n")])
def test_truncated_pdf_is_corrupt(lost: float) -> None:
    data = fx.make_pdf()
    cut = int(lost if lost >= 1 else len(data) * lost)
    assert problem("Carter_LOR.pdf", data[:-cut]).code == "corrupt"


@pytest.mark.parametrize("build", [fx.blank_pdf, fx.image_only_pdf])
def test_pdf_without_text_layer(build: Callable[[], bytes]) -> None:
    caught = problem("scan.pdf", build())
    assert caught.code == "no_text_layer"
    assert "scanned" in caught.user_message and "paste" in caught.user_message


def test_only_the_first_twenty_pages_are_read() -> None:
    result = extract_letter_file("bundle.pdf", fx.numbered_pages_pdf(25), today=TODAY)
    assert result.pages == 25
    assert "Marker page 20." in result.text and "Marker page 21." not in result.text
    assert any("20" in note and "25" in note for note in result.notes)
    assert item(result, "page_count").status == "warn"


def test_more_than_two_hundred_pages_is_refused() -> None:
    caught = problem("bundle.pdf", fx.blank_pdf(pages=LIMITS.pdf_pages_max + 1))
    assert caught.code == "too_many_pages"
    assert str(LIMITS.pdf_pages_max + 1) in caught.user_message


def test_two_pages_is_fine_three_warns() -> None:
    two = extract_letter_file("a.pdf", fx.make_pdf([fx.LETTER_LINES, ["Continued."]]), today=TODAY)
    three = extract_letter_file("a.pdf", fx.make_pdf([fx.LETTER_LINES, ["More."], ["More."]]), today=TODAY)
    assert item(two, "page_count").status == "ok"
    assert item(three, "page_count").status == "warn"


def test_pdf_over_one_megabyte_fails_size_check() -> None:
    result = extract_letter_file("Carter_LOR.pdf", fx.padded_letter_pdf(1_100_000), today=TODAY)
    assert item(result, "file_size").status == "fail"
    assert "1 MB" in item(result, "file_size").detail


@pytest.mark.parametrize("bad", ["Carter?LOR.pdf", "Carter|LOR.pdf", "LOR: Carter.pdf", "LOR*.pdf"])
def test_filename_with_forbidden_characters_fails(bad: str) -> None:
    result = extract_letter_file(bad, fx.make_pdf(), today=TODAY)
    assert item(result, "filename").status == "fail"


def test_overly_long_filename_warns() -> None:
    result = extract_letter_file("L" * 120 + ".pdf", fx.make_pdf(), today=TODAY)
    assert item(result, "filename").status == "warn"


def test_folder_in_filename_is_ignored_for_the_name_check() -> None:
    result = extract_letter_file("C:\\Users\\me\\Carter_LOR.pdf", fx.make_pdf(), today=TODAY)
    assert item(result, "filename").status == "ok"


def _replace(old: str, new: str | None) -> list[str]:
    """The standard letter with one line replaced (or removed when ``new`` is None)."""
    lines = [new if line == old else line for line in fx.LETTER_LINES]
    return [line for line in lines if line is not None]


def _closing_then(closing: str, last_line: str) -> list[str]:
    """The standard letter cut after its closing (replaced by ``closing``), then ``last_line``."""
    body = fx.LETTER_LINES[: fx.LETTER_LINES.index("Sincerely,")]
    return [*body, closing, last_line]


def test_missing_date_fails() -> None:
    assert item(pdf_result(_replace("Date: March 3, 2025", None)), "date").status == "fail"


def test_date_only_inside_a_sentence_warns() -> None:
    sentence = "She joined our team on 5 February 2025 and stayed with us until the end of the rotation."
    lines = [*_replace("Date: March 3, 2025", None), sentence]
    assert item(pdf_result(lines), "date").status == "warn"


@pytest.mark.parametrize(
    "line", ["3 March 2025", "Cairo, 3rd of March, 2025", "2025-03-03", "03/03/2025", "Date: 15.03.2025"]
)
def test_date_formats_are_recognised(line: str) -> None:
    assert item(pdf_result(_replace("Date: March 3, 2025", line)), "date").status == "ok"


def test_old_letter_warns_and_asks_for_update() -> None:
    result = pdf_result(_replace("Date: March 3, 2025", "Date: January 10, 2023"))
    date_item = item(result, "date")
    assert date_item.status == "warn" and "18 months" in date_item.detail


def test_letter_between_twelve_and_eighteen_months_warns_gently() -> None:
    result = pdf_result(_replace("Date: March 3, 2025", "Date: March 3, 2024"))
    assert item(result, "date").status == "warn"
    assert "over a year" in item(result, "date").detail


@pytest.mark.parametrize(
    ("today", "status"),
    [
        (date(2025, 3, 20), "ok"),  # 12 months and 17 days: still 12 whole months, as the letter check counts
        (date(2025, 4, 3), "warn"),  # 13 months
        (date(2025, 9, 2), "warn"),  # 17 months and 30 days: the gentle warning
    ],
)
def test_letter_age_counts_whole_months_like_the_letter_check(today: date, status: str) -> None:
    data = fx.make_pdf([_replace("Date: March 3, 2025", "Date: March 3, 2024")])
    date_item = item(extract_letter_file("Carter_LOR.pdf", data, today=today), "date")
    assert date_item.status == status
    assert "18 months" not in date_item.detail


async def test_async_extraction_uses_the_date_it_is_given() -> None:
    data = fx.make_pdf([_replace("Date: March 3, 2025", "Date: March 3, 2024")])
    fresh = await extract_letter_file_async("a.pdf", data, today=date(2024, 6, 1))
    stale = await extract_letter_file_async("a.pdf", data, today=date(2026, 6, 1))
    assert item(fresh, "date").status == "ok"
    assert "18 months" in item(stale, "date").detail


def test_missing_signature_block_fails() -> None:
    lines = fx.LETTER_LINES[: fx.LETTER_LINES.index("Sincerely,")]
    assert item(pdf_result(lines), "signature").status == "fail"


def test_closing_without_name_and_title_warns() -> None:
    lines = _closing_then("Sincerely,", "John Carter")
    assert item(pdf_result(lines), "signature").status == "warn"


@pytest.mark.parametrize("closing", ["Yours faithfully,", "With best regards,", "Respectfully yours"])
@pytest.mark.parametrize("name", ["Prof. Leila Haddad", "Dr. R. Iyer, MBBS, FRCP", "Head of Cardiology"])
def test_other_closings_and_titles(closing: str, name: str) -> None:
    lines = _closing_then(closing, name)
    assert item(pdf_result(lines), "signature").status == "ok"


def test_verb_do_is_not_a_degree() -> None:
    lines = _closing_then("Sincerely,", "I hope you do")
    assert item(pdf_result(lines), "signature").status == "warn"


def test_missing_letterhead_warns() -> None:
    lines = fx.LETTER_LINES[2:]
    assert item(pdf_result(lines), "letterhead").status == "warn"


def test_letterhead_below_the_salutation_does_not_count() -> None:
    lines = fx.LETTER_LINES[3:6] + fx.LETTER_LINES[:2] + fx.LETTER_LINES[6:]
    assert item(pdf_result(lines), "letterhead").status == "warn"


def test_readiness_is_linear_on_one_huge_line() -> None:
    page = "a." * 100_000 + " 3 March 2025" * 1000 + "x@" * 10_000
    start = time.perf_counter()
    items = check_pdf_readiness("a.pdf", 1000, 1, [(612.0, 792.0)], [page], TODAY)
    assert time.perf_counter() - start < 1.0
    assert {i.key: i.status for i in items}["date"] == "warn"


# --------------------------------------------------------------------------- DOCX


def test_docx_reads_header_paragraphs_and_table_in_order() -> None:
    data = fx.make_docx(
        ["Dear Program Director,", "She led our stroke audit."],
        table=[["Rotation", "Weeks"], ["Neurology", "8"]],
        header="Riverside University Hospital",
    )
    result = extract_letter_file("letter.docx", data)
    assert result.kind == "docx" and result.pages is None and result.readiness is None
    assert result.text.split("\n") == [
        "Riverside University Hospital", "Dear Program Director,", "She led our stroke audit.",
        "Rotation", "Weeks", "Neurology", "8",
    ]  # fmt: skip
    assert any("PDF" in note for note in result.notes)


def test_docx_merged_cells_are_read_once() -> None:
    data = fx.make_docx(["Intro."], table=[["Left", "Right"], ["a", "b"]], merge_first_row=True)
    text = extract_letter_file("letter.docx", data).text
    assert text.count("Left") == 1 and text.count("Right") == 1


def test_docx_with_only_empty_paragraphs_is_empty() -> None:
    assert problem("letter.docx", fx.make_docx(["", "   ", ""])).code == "empty"


def test_truncated_docx_is_corrupt() -> None:
    data = fx.make_docx(["Dear Program Director,"])
    assert problem("letter.docx", data[: len(data) // 2]).code == "corrupt"


def test_docx_with_broken_xml_is_corrupt() -> None:
    good = zipfile.ZipFile(io.BytesIO(fx.make_docx(["Hello."])))
    members = {name: good.read(name) for name in good.namelist()}
    members["word/document.xml"] = b"<w:document><w:body><w:p>unclosed"
    assert problem("letter.docx", fx.zip_bytes(members)).code == "corrupt"


def test_zip_without_word_document_is_wrong_type() -> None:
    data = fx.zip_bytes({"xl/workbook.xml": b"<workbook/>"})
    caught = problem("letter.docx", data)
    assert caught.code == "wrong_type"


def test_highly_compressed_member_is_a_zip_bomb() -> None:
    data = fx.zip_bytes({"[Content_Types].xml": b"<Types/>", "word/document.xml": b" " * 2_000_000})
    assert len(data) < 20_000
    assert problem("letter.docx", data).code == "zip_bomb"


def test_huge_declared_size_is_a_zip_bomb() -> None:
    data = fx.declare_huge_member(fx.zip_bytes({"word/document.xml": b"<w:document/>"}))
    assert problem("letter.docx", data).code == "zip_bomb"


def test_total_uncompressed_size_over_limit_is_a_zip_bomb() -> None:
    member = LIMITS.docx_ratio_min_size - 1  # each member is below the per-member ratio check
    count = LIMITS.docx_max_uncompressed // member + 1
    assert count <= LIMITS.docx_max_members
    assert problem("letter.docx", fx.many_small_members_zip(count, member)).code == "zip_bomb"


def test_too_many_members_is_a_zip_bomb() -> None:
    data = fx.many_small_members_zip(LIMITS.docx_max_members + 1, 10)
    assert problem("letter.docx", data).code == "zip_bomb"


def test_password_protected_word_file_is_encrypted() -> None:
    caught = problem("letter.docx", fx.encrypted_office_file())
    assert caught.code == "encrypted"
    assert "password" in caught.user_message


# --------------------------------------------------------------------------- messages and robustness

PROBLEM_CASES = [
    ("letter.pdf", b""),
    ("letter.pdf", b"\x89PNG\r\n\x1a\n"),
    ("letter.txt", bytes(range(256))),
    ("letter.pdf", fx.make_pdf()[:300]),
    ("letter.pdf", fx.blank_pdf()),
    ("letter.pdf", fx.encrypt_pdf(fx.make_pdf(), "pw")),
    ("letter.docx", b"PK\x03\x04broken"),
    ("letter.docx", fx.zip_bytes({"word/document.xml": b" " * 1_000_000})),
    ("letter.exe", b"MZ"),
]


@pytest.mark.parametrize(("filename", "data"), PROBLEM_CASES)
def test_problem_messages_are_friendly(filename: str, data: bytes) -> None:
    caught = problem(filename, data)
    assert caught.code in ALL_CODES
    message = caught.user_message
    assert 40 < len(message) < 400
    for leak in ("Traceback", "Error", "Exception", "pypdf", "zipfile", "\n"):
        assert leak not in message
    assert "paste" in message or "upload" in message


def _check_never_raises_other(filename: str, data: bytes) -> None:
    try:
        result = extract_letter_file(filename, data, today=TODAY)
    except FileProblem as caught:
        assert caught.code in ALL_CODES and caught.user_message
    else:
        assert result.text.strip() and result.kind == filename.rsplit(".", 1)[1]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    ext=st.sampled_from(SUPPORTED),
    prefix=st.sampled_from([b"", b"%PDF-1.7\n", b"PK\x03\x04", b"\xef\xbb\xbf", b"\xff\xfe"]),
    body=st.binary(max_size=2000),
    suffix=st.sampled_from([b"", b"\n%%EOF\n"]),
)
def test_random_bytes_only_raise_file_problem(ext: str, prefix: bytes, body: bytes, suffix: bytes) -> None:
    _check_never_raises_other(f"letter.{ext}", prefix + body + suffix)


VALID = {"pdf": fx.make_pdf(), "docx": fx.make_docx(["Dear Program Director,"], [["a", "b"]], "Hospital")}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    ext=st.sampled_from(["pdf", "docx"]),
    data=st.data(),
)
def test_damaged_real_files_only_raise_file_problem(ext: str, data: st.DataObject) -> None:
    original = bytearray(VALID[ext])
    for _ in range(data.draw(st.integers(1, 8))):
        position = data.draw(st.integers(0, len(original) - 1))
        original[position] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(len(original) // 2, len(original)))
    _check_never_raises_other(f"letter.{ext}", bytes(original[:cut]))


# --------------------------------------------------------------------------- async wrapper


async def test_async_wrapper_returns_the_same_result() -> None:
    data = fx.make_pdf()
    assert (await extract_letter_file_async("a.pdf", data)).text == extract_letter_file("a.pdf", data).text


async def test_async_wrapper_passes_problems_through() -> None:
    with pytest.raises(FileProblem) as caught:
        await extract_letter_file_async("a.pdf", b"")
    assert caught.value.code == "empty"


async def test_async_wrapper_turns_timeout_into_file_problem() -> None:
    with pytest.raises(FileProblem) as caught:
        await extract_letter_file_async("bundle.pdf", fx.numbered_pages_pdf(20), timeout=0)
    assert caught.value.code == "timeout"
    assert "too long" in caught.value.user_message


def test_file_problem_carries_code_and_message_and_pickles() -> None:
    caught = problem("letter.pdf", b"")
    assert str(caught) == caught.user_message
    copy = pickle.loads(pickle.dumps(caught))
    assert (copy.code, copy.user_message) == (caught.code, caught.user_message)
