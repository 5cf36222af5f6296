"""Checking uploaded files by their content: real images (JPEG, PNG, WebP, GIF) or PDF, within a
size limit."""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
DEFAULT_MAX_PIXELS = 50_000_000
"""Pixels an image may declare (a 50-megapixel photo); a small file declaring more is a
decompression bomb that would take gigabytes to open."""


@dataclass(frozen=True)
class CheckedFile:
    content: bytes
    content_type: str
    extension: str
    sha256: str


def max_upload_bytes() -> int:
    return int(getattr(settings, "CITYLOOP_MAX_UPLOAD_BYTES", DEFAULT_MAX_BYTES))


def max_upload_pixels() -> int:
    return int(getattr(settings, "CITYLOOP_MAX_UPLOAD_PIXELS", DEFAULT_MAX_PIXELS))


def check_upload(name: str, content: bytes) -> CheckedFile:
    """Accept a file only if its bytes are a readable image or a PDF, and it is not too large."""
    limit = max_upload_bytes()
    if not content:
        raise ValidationError({"file": f"{name}: the file is empty"})
    if len(content) > limit:
        raise ValidationError(
            {"file": f"{name}: {len(content) / 1048576:.1f} MB is over the {limit / 1048576:.0f} MB limit"}
        )
    digest = hashlib.sha256(content).hexdigest()
    if content.startswith(b"%PDF-"):
        if b"%%EOF" not in content[-2048:]:
            raise ValidationError({"file": f"{name}: the PDF is truncated (no end-of-file marker)"})
        return CheckedFile(content, "application/pdf", "pdf", digest)
    import warnings

    from PIL import Image, UnidentifiedImageError

    pixels = max_upload_pixels()
    message = f"the image has over {pixels / 1e6:.0f} million pixels; send a smaller photo"
    too_large = ValidationError({"file": f"{name}: {message}"})
    try:
        with warnings.catch_warnings():
            # Pillow only warns between its own limit and twice it; here any bomb is an error.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(content)) as image:
                width, height = image.size
                if width * height > pixels:
                    raise too_large
                image_format = (image.format or "").upper()
                image.verify()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise too_large from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise ValidationError(
            {"file": f"{name}: not a readable image or PDF; send a JPEG, PNG or WebP photo, or a PDF"}
        ) from None
    kinds = {
        "JPEG": ("image/jpeg", "jpg"),
        "PNG": ("image/png", "png"),
        "WEBP": ("image/webp", "webp"),
        "GIF": ("image/gif", "gif"),
    }
    if image_format not in kinds:
        raise ValidationError(
            {"file": f"{name}: {image_format or 'this'} images are not accepted; send JPEG, PNG or WebP"}
        )
    content_type, extension = kinds[image_format]
    return CheckedFile(content, content_type, extension, digest)
