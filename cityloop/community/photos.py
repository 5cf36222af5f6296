"""Photos taken on a phone for community tasks and alley check-ins: checked by their content (a real
JPEG, PNG or WebP image within the size and pixel limits), never by their name."""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError

KINDS = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png"), "WEBP": ("image/webp", "webp")}
MAX_PHOTOS = 6


@dataclass(frozen=True)
class Photo:
    """A checked photo: its bytes, type, file extension and digest."""

    name: str
    content: bytes
    content_type: str
    extension: str
    sha256: str


def check_photo(name: str, content: bytes, field: str = "photo") -> Photo:
    """Accept ``content`` only if it is a readable photo no larger than the upload limits."""
    from PIL import Image, UnidentifiedImageError

    limit = int(getattr(settings, "CITYLOOP_MAX_UPLOAD_BYTES", 10 * 1024 * 1024))
    pixels = int(getattr(settings, "CITYLOOP_MAX_UPLOAD_PIXELS", 50_000_000))
    if not content:
        raise ValidationError({field: "照片是空文件"})
    if len(content) > limit:
        raise ValidationError({field: f"照片超过{limit // 1048576} MB，请压缩后再传"})
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(content)) as image:
                width, height = image.size
                image_format = (image.format or "").upper()
                if width * height > pixels:
                    raise ValidationError({field: "照片像素过多，请传较小的照片"})
                image.verify()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError({field: "照片像素过多，请传较小的照片"}) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise ValidationError({field: "不是可读的照片：请传JPEG、PNG或WebP格式"}) from None
    if image_format not in KINDS:
        raise ValidationError({field: "只接受JPEG、PNG或WebP格式的照片"})
    content_type, extension = KINDS[image_format]
    return Photo(name[:100], content, content_type, extension, hashlib.sha256(content).hexdigest())


def check_photos(files: list[tuple[str, bytes]], field: str = "photos") -> list[Photo]:
    """Check each of at most :data:`MAX_PHOTOS` photos."""
    if len(files) > MAX_PHOTOS:
        raise ValidationError({field: f"最多{MAX_PHOTOS}张照片"})
    return [check_photo(name, content, field) for name, content in files]
