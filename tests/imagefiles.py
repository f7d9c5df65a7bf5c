"""Image files for the photo tests, made with Pillow: a phone photo with GPS tags, PNG, WebP, junk."""

from __future__ import annotations

import io

from PIL import Image
from PIL.TiffImagePlugin import IFDRational

GPS_IFD = 0x8825
ORIENTATION = 0x0112


def phone_jpeg(width: int = 64, height: int = 32, *, orientation: int = 6) -> bytes:
    """A JPEG as a phone takes it: GPS position, camera make, an orientation tag, XMP and a comment."""
    image = Image.new("RGB", (width, height), (200, 30, 30))
    for x in range(width // 2):  # the left half blue, so a rotation can be seen
        for y in range(height):
            image.putpixel((x, y), (30, 30, 200))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[ORIENTATION] = orientation
    exif.get_ifd(GPS_IFD).update(
        {
            1: "N",
            2: (IFDRational(42), IFDRational(23), IFDRational(15)),
            3: "W",
            4: (IFDRational(71), IFDRational(6), IFDRational(0)),
        }
    )
    xmp = (
        b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        b'<rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="42,23.25N"/>'
        b"</rdf:RDF></x:xmpmeta>"
    )
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif, xmp=xmp, comment=b"secret comment")
    return buffer.getvalue()


def png(width: int = 40, height: int = 30, mode: str = "RGBA") -> bytes:
    """A small PNG (with a text chunk that must not survive)."""
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Author", "Someone private")
    buffer = io.BytesIO()
    Image.new(mode, (width, height), (0, 128, 0, 255) if mode == "RGBA" else (0, 128, 0)).save(
        buffer, "PNG", pnginfo=info
    )
    return buffer.getvalue()


def webp(width: int = 40, height: int = 30) -> bytes:
    """A small WebP."""
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (10, 10, 200)).save(buffer, "WEBP")
    return buffer.getvalue()


def gif(width: int = 10, height: int = 10) -> bytes:
    """A GIF: a real image, but not a format the board accepts."""
    buffer = io.BytesIO()
    Image.new("P", (width, height)).save(buffer, "GIF")
    return buffer.getvalue()


def bomb(side: int = 20000) -> bytes:
    """A PNG whose header claims side x side pixels (a few hundred bytes that would decode to gigabytes)."""
    buffer = io.BytesIO()
    Image.new("1", (side, side)).save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


def noisy_png(side: int = 1000) -> bytes:
    """A PNG of random pixels: megabytes that do not compress (larger than the usual request limit)."""
    import os

    buffer = io.BytesIO()
    Image.frombytes("RGB", (side, side), os.urandom(side * side * 3)).save(buffer, "PNG")
    return buffer.getvalue()
