"""What an upload must be before it is stored: sniffed (never trusted from its name or declared
type), of an allowed image type, within the byte and pixel limits, decodable to the end; and
what is stored of it: the pixels with orientation applied and every metadata block (EXIF, XMP,
comments) dropped, plus the dominant colour and a tiny blurred placeholder.

SVG is refused (MEDIA_SVG_REFUSED), not sanitised: it is a script-capable document format."""

from __future__ import annotations

import base64
import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError, features

from resolvers.errors import UserInputError

# Pillow format name -> (MIME type, file extension).
FORMATS: dict[str, tuple[str, str]] = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "WEBP": ("image/webp", "webp"),
    "GIF": ("image/gif", "gif"),
}
if features.check("avif"):  # Pillow's wheels bundle libavif since 11.3; a source build may not
    FORMATS["AVIF"] = ("image/avif", "avif")
EXTENSIONS = {ext: mime for mime, ext in FORMATS.values()}
PLACEHOLDER_WIDTH = 16


class MediaError(UserInputError):
    """A refused upload (or rendition request); ``code`` is one of the MEDIA_* codes and
    ``status`` the HTTP status the endpoint answers with."""

    def __init__(self, code: str, message: str, status: int = 422) -> None:
        super().__init__(message, code=code)
        self.status = status


@dataclass(frozen=True, slots=True)
class Limits:
    max_bytes: int
    max_pixels: int


@dataclass(frozen=True, slots=True)
class CheckedImage:
    """An upload that passed: the bytes to store (metadata stripped) and what describes them."""

    data: bytes
    mime_type: str
    extension: str
    width: int
    height: int
    dominant_color: str
    placeholder: str


def _looks_like_svg(data: bytes) -> bool:
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith((b"<?xml", b"<svg", b"<!doctype svg")) and b"<svg" in data[:4096].lower()


def _open(data: bytes, limits: Limits) -> Image.Image:
    try:
        with warnings.catch_warnings():
            # Pillow warns past its own pixel limit and raises past twice it: both are bombs.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=list(FORMATS))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise MediaError("MEDIA_TOO_MANY_PIXELS", "The image has too many pixels.") from None
    except UnidentifiedImageError:
        if _looks_like_svg(data):
            raise MediaError(
                "MEDIA_SVG_REFUSED", "SVG is not accepted (it can carry scripts).", 415
            ) from None
        allowed = ", ".join(sorted(FORMATS))
        raise MediaError(
            "MEDIA_TYPE_NOT_ALLOWED", f"Not an image of an allowed type ({allowed}).", 415
        ) from None
    width, height = image.size
    frames = getattr(image, "n_frames", 1)
    if width * height * frames > limits.max_pixels:
        raise MediaError(
            "MEDIA_TOO_MANY_PIXELS",
            f"The image has {width}x{height} pixels in {frames} frame(s); "
            f"at most {limits.max_pixels} are accepted.",
        )
    try:
        image.load()
    except (OSError, SyntaxError, ValueError) as exc:
        raise MediaError("MEDIA_UNREADABLE", f"The image cannot be decoded: {exc}.") from None
    return image


def _strip(image: Image.Image, fmt: str, original: bytes) -> tuple[Image.Image, bytes]:
    """The pixels re-encoded without metadata, upright. Animated GIFs are kept as sent: the GIF
    format has no EXIF, and re-encoding them frame by frame would only lose quality."""
    if fmt == "GIF":
        return image, original
    upright = ImageOps.exif_transpose(image)
    clean = upright.copy()
    # What the encoders could copy from ``info``: keep only what rendering needs.
    clean.info = {k: v for k, v in upright.info.items() if k in ("icc_profile", "transparency")}
    out = io.BytesIO()
    options: dict[str, object] = {"optimize": True} if fmt in ("PNG", "JPEG") else {}
    if fmt in ("JPEG", "WEBP", "AVIF"):
        options["quality"] = 90
    if fmt == "JPEG" and clean.mode not in ("RGB", "L", "CMYK"):
        clean = clean.convert("RGB")
    clean.save(out, format=fmt, **options)
    return clean, out.getvalue()


def dominant_color(image: Image.Image) -> str:
    """The most frequent of a few representative colours (a 5-colour quantisation)."""
    small = image.convert("RGB")
    small.thumbnail((64, 64))
    quantized = small.quantize(colors=5)
    palette = quantized.getpalette() or [128, 128, 128]
    counts = sorted(quantized.getcolors() or [(1, 0)], reverse=True)
    index = int(counts[0][1])  # type: ignore[call-overload]  # palette index: an int here
    red, green, blue = palette[index * 3 : index * 3 + 3]
    return f"#{red:02x}{green:02x}{blue:02x}"


def placeholder(image: Image.Image) -> str:
    """A 16 px wide WebP of the image as a data: URI, for a blurred preview while loading."""
    tiny = image.convert("RGBA" if "A" in image.getbands() else "RGB")
    tiny.thumbnail((PLACEHOLDER_WIDTH, PLACEHOLDER_WIDTH))
    out = io.BytesIO()
    tiny.save(out, format="WEBP", quality=40)
    return "data:image/webp;base64," + base64.b64encode(out.getvalue()).decode()


def check_upload(data: bytes, limits: Limits) -> CheckedImage:
    """The checks, in order of cost; CPU bound (run it in a thread)."""
    if len(data) > limits.max_bytes:
        raise MediaError(
            "MEDIA_TOO_LARGE", f"The file is over {limits.max_bytes} bytes.", status=413
        )
    if not data:
        raise MediaError("MEDIA_UNREADABLE", "The file is empty.")
    image = _open(data, limits)
    fmt = str(image.format)
    mime, extension = FORMATS[fmt]
    clean, stored = _strip(image, fmt, data)
    return CheckedImage(
        data=stored,
        mime_type=mime,
        extension=extension,
        width=clean.width,
        height=clean.height,
        dominant_color=dominant_color(clean),
        placeholder=placeholder(clean),
    )
