"""Bounded work per upload: zip bombs, huge headers and previews (issue 11, item 5)."""

from __future__ import annotations

import io
import tracemalloc
import zipfile

import pytest
from django.core.exceptions import ValidationError

from tests.factories import ProjectFactory
from tests.usage.test_imports import xlsx
from usage import files as uf
from usage import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(workspace):
    return ProjectFactory(account__workspace=workspace)


def upload(project, content: bytes, name: str) -> str:
    """Return the message an upload of `content` is refused with."""
    with pytest.raises(ValidationError) as refused:
        services.usage_import_create(
            workspace=project.workspace,
            project=project,
            uploaded_by=None,
            file_name=name,
            source=io.BytesIO(content),
        )
    return " ".join(refused.value.messages)


def rewritten(content: bytes, change) -> bytes:
    """Return the workbook `content` with `change(archive)` applied to a copy of its members."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as source, zipfile.ZipFile(out, "w") as target:
        for member in source.infolist():
            data = source.read(member.filename)
            target.writestr(member, change(member.filename, data), zipfile.ZIP_DEFLATED)
        if "xl/sharedStrings.xml" not in source.namelist():
            target.writestr("xl/sharedStrings.xml", change("xl/sharedStrings.xml", b""))
    return out.getvalue()


def bomb(expanded_bytes: int) -> bytes:
    """Return a workbook whose sheet expands from kilobytes to `expanded_bytes`."""
    filler = b"<!--" + b"a" * expanded_bytes + b"-->"

    def inflate(name: str, data: bytes) -> bytes:
        return data.replace(b"<worksheet", filler + b"<worksheet", 1) if "sheet1" in name else data

    return rewritten(xlsx([["date", "user"], ["2025-01-02", "ada"]]), inflate)


def test_a_zip_bomb_is_refused_before_it_is_opened(project):
    content = bomb(64 * 1024 * 1024)
    assert len(content) < 1024 * 1024
    tracemalloc.start()
    try:
        message = upload(project, content, "usage.xlsx")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert message.startswith("The workbook expands to more than a usage file ever holds")
    assert peak < 16 * 1024 * 1024


def test_oversized_shared_strings_are_refused_whatever_the_ratio(project, monkeypatch):
    monkeypatch.setattr(uf, "XLSX_MAX_SHARED_STRINGS_BYTES", 1000)

    def incompressible_strings(name: str, data: bytes) -> bytes:
        return bytes(range(256)) * 8 if name == "xl/sharedStrings.xml" else data

    content = rewritten(xlsx([["date", "user"], ["2025-01-02", "ada"]]), incompressible_strings)
    assert "zip bomb" in upload(project, content, "usage.xlsx")


def test_an_ordinary_workbook_still_opens(project):
    content = xlsx([["date", "user"], ["2025-01-02", "ada"]])
    created = services.usage_import_create(
        workspace=project.workspace,
        project=project,
        uploaded_by=None,
        file_name="usage.xlsx",
        source=io.BytesIO(content),
    )
    assert created.header == ["date", "user"]


def test_a_header_with_a_hundred_thousand_columns_is_refused(project):
    header = ",".join(["date", "user", *(f"c{n}" for n in range(100_000))])
    message = upload(project, f"{header}\n2025-01-02,ada\n".encode(), "usage.csv")
    assert message.startswith("The header has 100,002 columns; a usage file has at most 200.")


def test_the_preview_never_reads_a_giant_line_whole(project):
    giant = "2025-01-02," + "a" * (2 * uf.MAX_LINE_CHARS)
    tracemalloc.start()
    try:
        message = upload(project, f"date,user\n{giant}\n".encode(), "usage.csv")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert message.startswith("Line 2 is longer than a million characters")
    assert peak < 3 * uf.MAX_LINE_CHARS * 4
