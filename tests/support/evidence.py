"""Evidence files in tests: kept in each test's own temporary folder, and sample files of
every kind, built here (registered for every test by tests/conftest.py)."""

import io
import zipfile

import olefile
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from commitments.management import demo_assessment


@pytest.fixture(autouse=True)
def evidence_files(settings, tmp_path):
    """Each test keeps its evidence files in its own temporary folder."""
    settings.STORAGES = {
        **settings.STORAGES,
        "evidence": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "evidence")},
        },
    }
    return tmp_path / "evidence"


def pdf_bytes(text="Naloxone distribution report"):
    """A small, valid one-page PDF (the demo's own writer)."""
    return demo_assessment.pdf_document(text)


def png_bytes(size=(4, 4)):
    out = io.BytesIO()
    Image.new("RGB", size, (18, 53, 91)).save(out, "PNG")
    return out.getvalue()


def docx_bytes(macros=False):
    """The parts a Word document has (its content types and main part)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        archive.writestr("word/document.xml", '<?xml version="1.0"?><w:document/>')
        if macros:
            archive.writestr("word/vbaProject.bin", b"\x00" * 16)
    return out.getvalue()


def odt_bytes():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", "<office:document-content/>")
    return out.getvalue()


def plain_zip_bytes():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("notes.txt", "not an office document")
    return out.getvalue()


def exe_bytes():
    """The start of a Windows program (an MZ header and its PE stub)."""
    return b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200


def ole_bytes(stream="WordDocument"):
    """An OLE compound file with one stream (a Word 97 document has ``WordDocument``)."""
    path = io.BytesIO()
    # olefile reads but does not write: a minimal compound file built by hand (one
    # directory sector, one FAT sector, the stream in the mini stream is avoided by
    # making it 4096 bytes, over the mini-stream cutoff).
    sector = 512
    data = b"x" * 4096
    data_sectors = len(data) // sector
    # Sectors: 0 = FAT, 1 = directory, 2.. = data.
    fat = [0xFFFFFFFD, 0xFFFFFFFE]
    for index in range(data_sectors):
        fat.append(3 + index if index < data_sectors - 1 else 0xFFFFFFFE)
    fat += [0xFFFFFFFF] * (sector // 4 - len(fat))
    header = bytearray(sector)
    header[0:8] = olefile.MAGIC
    header[0x18:0x1A] = (0x3E).to_bytes(2, "little")
    header[0x1A:0x1C] = (3).to_bytes(2, "little")
    header[0x1C:0x1E] = (0xFFFE).to_bytes(2, "little")
    header[0x1E:0x20] = (9).to_bytes(2, "little")
    header[0x20:0x22] = (6).to_bytes(2, "little")
    header[0x2C:0x30] = (1).to_bytes(4, "little")  # FAT sectors
    header[0x30:0x34] = (1).to_bytes(4, "little")  # first directory sector
    header[0x38:0x3C] = (4096).to_bytes(4, "little")  # mini stream cutoff
    header[0x3C:0x40] = (0xFFFFFFFE).to_bytes(4, "little")
    header[0x44:0x48] = (0xFFFFFFFE).to_bytes(4, "little")
    header[0x4C:0x50] = (0).to_bytes(4, "little")  # DIFAT[0] = FAT at sector 0
    for offset in range(0x50, sector, 4):
        header[offset : offset + 4] = (0xFFFFFFFF).to_bytes(4, "little")

    def entry(name, kind, child=0xFFFFFFFF, start=0xFFFFFFFE, size=0):
        raw = bytearray(128)
        encoded = (name + "\0").encode("utf-16-le")
        raw[0 : len(encoded)] = encoded
        raw[0x40:0x42] = len(encoded).to_bytes(2, "little")
        raw[0x42] = kind
        raw[0x43] = 1  # black
        raw[0x44:0x48] = (0xFFFFFFFF).to_bytes(4, "little")
        raw[0x48:0x4C] = (0xFFFFFFFF).to_bytes(4, "little")
        raw[0x4C:0x50] = child.to_bytes(4, "little")
        raw[0x74:0x78] = start.to_bytes(4, "little")
        raw[0x78:0x7C] = size.to_bytes(4, "little")
        return bytes(raw)

    directory = entry("Root Entry", 5, child=1) + entry(stream, 2, start=2, size=len(data))
    directory += b"\x00" * (sector - len(directory))
    path.write(bytes(header))
    path.write(b"".join(value.to_bytes(4, "little") for value in fat))
    path.write(directory)
    path.write(data)
    return path.getvalue()


def upload(name, content, content_type="application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)
