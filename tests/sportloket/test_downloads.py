"""``sportloket.downloads.private_download``: an attachment that no cache keeps, its name
quoted as RFC 6266 asks whatever characters it holds."""

from __future__ import annotations

from urllib.parse import unquote

from sportloket.downloads import private_download

REPORT = b"naam;status\r\nTennisclub;nieuw\r\n"


def test_bytes_are_served_as_an_attachment_that_is_never_stored():
    response = private_download(
        REPORT,
        filename="importrapport-20260301-0930.csv",
        content_type="text/csv; charset=utf-8",
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert (
        response["Content-Disposition"] == 'attachment; filename="importrapport-20260301-0930.csv"'
    )
    assert response["Cache-Control"] == "no-store"
    assert response["Content-Length"] == str(len(REPORT))
    assert b"".join(response.streaming_content) == REPORT


def test_an_open_file_is_streamed(tmp_path):
    path = tmp_path / "jaarplan.pdf"
    path.write_bytes(b"%PDF-1.4 jaarplan")
    with path.open("rb") as file:
        response = private_download(file, filename="jaarplan.pdf", content_type="application/pdf")
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Length"] == str(len(b"%PDF-1.4 jaarplan"))
        assert response["Cache-Control"] == "no-store"
        assert b"".join(response.streaming_content) == b"%PDF-1.4 jaarplan"


def test_a_non_ascii_filename_is_percent_encoded_as_utf_8():
    name = "jaarplan-Súdwest-Fryslân-2026.pdf"
    response = private_download(b"%PDF", filename=name, content_type="application/pdf")
    disposition = response["Content-Disposition"]
    assert disposition == "attachment; filename*=utf-8''jaarplan-S%C3%BAdwest-Frysl%C3%A2n-2026.pdf"
    assert unquote(disposition.split("''", 1)[1], encoding="utf-8") == name
    assert response["Cache-Control"] == "no-store"


def test_quotes_and_backslashes_in_an_ascii_filename_are_escaped():
    response = private_download(
        b"x", filename='bewijs "vog" \\ 2026.pdf', content_type="application/pdf"
    )
    assert response["Content-Disposition"] == r'attachment; filename="bewijs \"vog\" \\ 2026.pdf"'


def test_a_name_with_a_line_break_cannot_add_a_header():
    response = private_download(
        b"x", filename="rapport.csv\r\nSet-Cookie: a=b", content_type="text/csv"
    )
    assert response["Content-Disposition"] == (
        "attachment; filename*=utf-8''rapport.csv%0D%0ASet-Cookie%3A%20a%3Db"
    )
    assert not response.has_header("Set-Cookie")
