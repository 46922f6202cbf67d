"""What a workbook may be before it is parsed: a small file cannot make a big job.

An .xlsx file is a zip of XML parts, and both layers can turn a few kilobytes into gigabytes:
a zip entry that inflates a thousandfold, or one XML entity referenced millions of times
(each reference under the parser's own expansion ratio, the whole far beyond any byte limit).
So before openpyxl sees a byte, every part is inflated here as a stream, counting the bytes it
actually gives (never the sizes the archive claims), and read by expat, which refuses any
document type declaration (a workbook never needs one; entities can only be declared in one)
and counts elements. Every part is read so, whatever its name: openpyxl finds a sheet through
the workbook's relationships, so a sheet stored as `sheet2.bin` is parsed as XML all the same.
A part that is not XML (an image) is only counted: openpyxl's parser, expat too, would stop
where this one does. The limits and their reasons are in simulate.schema.limits.
"""

from __future__ import annotations

import io
import xml.parsers.expat
import zipfile

from simulate.schema.errors import InputError
from simulate.schema.limits import (
    MAX_WORKBOOK_BYTES,
    MAX_WORKBOOK_ELEMENTS,
    MAX_WORKBOOK_PARTS,
    MAX_WORKBOOK_UNPACKED,
    at_most,
)

BLOCK = 1 << 16  # bytes inflated and parsed at a time


class _Refused(Exception):
    """Stops the scan: (problem, allowed)."""


def check(content: bytes, name: str) -> None:
    """Refuse a workbook beyond the limits with one InputError naming the file and the limit;
    a file that is not a zip of well-formed XML is refused as not a workbook."""
    if len(content) > MAX_WORKBOOK_BYTES:
        raise InputError(
            name, None, f"is {len(content):,} bytes", at_most(MAX_WORKBOOK_BYTES, "bytes")
        )
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            entries = archive.infolist()
            if len(entries) > MAX_WORKBOOK_PARTS:
                raise _Refused(
                    f"holds {len(entries):,} parts, too many for a key-inputs workbook",
                    at_most(MAX_WORKBOOK_PARTS, "parts"),
                )
            scan = _Scan()
            for entry in entries:
                if not entry.is_dir():
                    scan.part(archive, entry)
    except _Refused as refused:
        raise InputError(name, None, *refused.args) from None
    except (zipfile.BadZipFile, xml.parsers.expat.ExpatError, OSError, EOFError, ValueError):
        raise InputError(name, None, "is not an Excel workbook", "an .xlsx file") from None
    except (NotImplementedError, RuntimeError) as err:  # an unknown compression, encryption
        raise InputError(name, None, f"is not an Excel workbook ({err})", "an .xlsx file") from None


class _Scan:
    """Running totals over the parts of one workbook."""

    def __init__(self) -> None:
        self.unpacked = 0
        self.elements = 0

    def part(self, archive: zipfile.ZipFile, entry: zipfile.ZipInfo) -> None:
        named_xml = entry.filename.endswith((".xml", ".rels", ".vml"))
        parser: xml.parsers.expat.XMLParserType | None = self._parser(entry.filename)
        with archive.open(entry) as stream:
            while block := stream.read(BLOCK):
                self.unpacked += len(block)
                if self.unpacked > MAX_WORKBOOK_UNPACKED:
                    raise _Refused(
                        f"unpacks to more than {MAX_WORKBOOK_UNPACKED:,} bytes, too many for a "
                        "key-inputs workbook",
                        at_most(MAX_WORKBOOK_UNPACKED, "bytes unpacked"),
                    )
                parser = _parsed(parser, block, named_xml)
        _parsed(parser, b"", named_xml, final=True)

    def _parser(self, part: str) -> xml.parsers.expat.XMLParserType:
        parser = xml.parsers.expat.ParserCreate()
        parser.SetParamEntityParsing(xml.parsers.expat.XML_PARAM_ENTITY_PARSING_NEVER)

        def declared(*args: object) -> None:
            raise _Refused(
                f"{part} declares a document type or entities, which a workbook never needs "
                "(they can expand a small file into gigabytes)",
                "a workbook saved by Excel, LibreOffice or `simulate template`",
            )

        def element(*args: object) -> None:
            self.elements += 1
            if self.elements > MAX_WORKBOOK_ELEMENTS:
                raise _Refused(
                    f"holds more than {MAX_WORKBOOK_ELEMENTS:,} XML elements (cells, rows, ...), "
                    "too many for a key-inputs workbook",
                    at_most(MAX_WORKBOOK_ELEMENTS, "XML elements in all"),
                )

        parser.StartDoctypeDeclHandler = declared
        parser.EntityDeclHandler = declared
        parser.StartElementHandler = element
        return parser


def _parsed(
    parser: xml.parsers.expat.XMLParserType | None,
    block: bytes,
    named_xml: bool,
    final: bool = False,
) -> xml.parsers.expat.XMLParserType | None:
    """Feed a block to the part's parser; None once a part not named as XML proves not to be
    XML (a part named as XML must be well-formed)."""
    if parser is None:
        return None
    try:
        parser.Parse(block, final)
    except xml.parsers.expat.ExpatError:
        if named_xml:
            raise
        return None
    return parser
