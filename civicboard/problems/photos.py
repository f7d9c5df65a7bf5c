"""Photos on problems: checked by decoding, re-encoded without metadata, stored under UPLOAD_FOLDER.

An upload is accepted only if Pillow decodes it as JPEG, PNG or WebP (the name and the declared
type are ignored), within UPLOAD_MAX_BYTES and PHOTO_MAX_PIXELS (a decompression bomb is refused
before its pixels are decoded). The pixels are then turned upright (EXIF orientation) and copied
into a new image, which carries no EXIF, XMP, GPS, ICC or text chunks, and saved in the same
format with a thumbnail beside it. Files get random names (the photo's `key`).

Files follow the transaction: a photo's files written during a transaction that rolls back are
removed, and a deleted photo's files are removed only once the deletion is committed.
"""

from __future__ import annotations

import contextlib
import io
import os
import secrets
import warnings
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask import Flask, current_app
from flask_babel import format_decimal
from flask_babel import gettext as _
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from civicboard.audit.services import record
from civicboard.extensions import db
from civicboard.permissions import PermissionDenied, require_active
from civicboard.problems import visibility
from civicboard.problems.models import Photo, Problem
from civicboard.timeutil import utcnow
from civicboard.validation import ValidationError, clean_name

if TYPE_CHECKING:
    from PIL import Image

MAX_PHOTOS = 6
ALT_MAX_LENGTH = 300
THUMBNAIL_SIZE = (320, 320)
# Pillow name -> (media type, save options)
FORMATS: dict[str, tuple[str, dict[str, Any]]] = {
    "JPEG": ("image/jpeg", {"quality": 85, "optimize": True}),
    "PNG": ("image/png", {"optimize": True}),
    "WEBP": ("image/webp", {"quality": 82, "method": 4}),
}
_PENDING_NEW = "photo_files_written"
_PENDING_REMOVE = "photo_files_to_remove"


@dataclass
class Processed:
    """A re-encoded image and its thumbnail, ready to write."""

    content_type: str
    data: bytes
    thumbnail: bytes
    width: int
    height: int
    thumb_width: int
    thumb_height: int


def _refuse(message: str, field: str = "photo") -> ValidationError:
    return ValidationError(message, {field: message})


def _encode(image: Image.Image, fmt: str) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **FORMATS[fmt][1])
    return buffer.getvalue()


def process(data: bytes, *, max_bytes: int, max_pixels: int, field: str = "photo") -> Processed:
    """Decode, check, orient, strip and re-encode an upload; ValidationError naming `field` if refused."""
    # Pillow (about 5 MB in each worker) is loaded by the first upload, not by every process.
    from PIL import Image, ImageOps, UnidentifiedImageError

    if not data:
        raise _refuse(_("Choose a photo to upload."), field)
    if len(data) > max_bytes:
        megabytes = max_bytes // (1024 * 1024) or 1
        raise _refuse(_("This photo is larger than %(mb)s MB; choose a smaller one.", mb=megabytes), field)
    not_an_image = _refuse(_("This file is not a photo we can read: upload a JPEG, PNG or WebP image."), field)
    too_large = _refuse(
        _(
            "This photo has too many pixels: at most %(megapixels)s megapixels are accepted.",
            megapixels=format_decimal(max_pixels / 1_000_000),
        ),
        field,
    )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            source = Image.open(io.BytesIO(data), formats=list(FORMATS))
            fmt = source.format
            width, height = source.size
            # Refused from the header alone, before any pixel is decoded.
            if width * height > max_pixels:
                raise too_large
            source.seek(0)  # the first frame of an animation
            source.load()
            upright = ImageOps.exif_transpose(source)
    except ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise too_large from None
    except UnidentifiedImageError:
        raise not_an_image from None
    except (OSError, SyntaxError, ValueError, EOFError, TypeError, MemoryError):
        raise not_an_image from None
    if fmt not in FORMATS:
        raise not_an_image
    mode = upright.mode
    if fmt == "JPEG":
        mode = "RGB" if mode not in ("RGB", "L") else mode
    elif mode not in ("RGB", "RGBA", "L", "LA"):
        mode = "RGBA" if ("A" in mode or "transparency" in upright.info) else "RGB"
    converted = upright.convert(mode) if upright.mode != mode else upright
    # A new image from the pixels alone: no EXIF, XMP, ICC profile, comments or text chunks.
    clean = Image.frombytes(converted.mode, converted.size, converted.tobytes())
    thumb = clean.copy()
    thumb.thumbnail(THUMBNAIL_SIZE)
    return Processed(
        content_type=FORMATS[fmt][0],
        data=_encode(clean, fmt),
        thumbnail=_encode(thumb, fmt),
        width=clean.width,
        height=clean.height,
        thumb_width=thumb.width,
        thumb_height=thumb.height,
    )


# -- files -------------------------------------------------------------------------------------


def folder(app: Flask | None = None) -> Path:
    """UPLOAD_FOLDER, created on first use."""
    path = Path((app or current_app).config["UPLOAD_FOLDER"])
    path.mkdir(parents=True, exist_ok=True)
    return path


def file_names(photo: Photo) -> tuple[str, str]:
    """The photo's file and its thumbnail's, inside UPLOAD_FOLDER."""
    return f"{photo.key}.{photo.extension}", f"{photo.key}-thumb.{photo.extension}"


def path_of(photo: Photo, *, thumbnail: bool = False) -> Path:
    """Where the photo (or its thumbnail) is stored."""
    return folder() / file_names(photo)[1 if thumbnail else 0]


def _write(path: Path, data: bytes) -> None:
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    with open(temporary, "wb") as handle:
        handle.write(data)
    os.replace(temporary, path)


def _remove(paths: list[str]) -> None:
    for path in paths:
        with contextlib.suppress(FileNotFoundError):
            os.remove(path)


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    session.info.pop(_PENDING_NEW, None)
    _remove(session.info.pop(_PENDING_REMOVE, []))


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(_PENDING_REMOVE, None)
    _remove(session.info.pop(_PENDING_NEW, []))


# -- actions -----------------------------------------------------------------------------------


def clean_alt(alt: str | None, field: str = "alt") -> str:
    """The alt text: required, one line, what the photo shows for someone who cannot see it."""
    return clean_name(alt, field, label=_("Description of the photo"), max_length=ALT_MAX_LENGTH)


def _check_room(problem: Problem | None, adding: int) -> None:
    if problem is None:
        return
    count = db.session.execute(select(func.count(Photo.id)).where(Photo.problem_id == problem.id)).scalar_one()
    if count + adding > MAX_PHOTOS:
        raise _refuse(_("A problem has at most %(max)s photos; it has %(num)s.", max=MAX_PHOTOS, num=count))


def store(actor: Any, data: bytes, alt: str | None, *, problem: Problem | None = None, field: str = "photo") -> Photo:
    """Process and store one upload; attached to `problem`, or pending (None) while a form is being written.

    The caller checks the actor may add to the problem (add_photo does).
    """
    require_active(actor)
    errors: dict[str, str] = {}
    cleaned_alt = None
    try:
        cleaned_alt = clean_alt(alt, f"{field}_alt")
    except ValidationError as exc:
        errors.update(exc.fields)
    config = current_app.config
    try:
        processed = process(
            data, max_bytes=config["UPLOAD_MAX_BYTES"], max_pixels=config["PHOTO_MAX_PIXELS"], field=field
        )
    except ValidationError as exc:
        errors.update(exc.fields)
    if errors:
        raise ValidationError(next(iter(errors.values())), errors)
    _check_room(problem, 1)
    photo = Photo(
        problem_id=problem.id if problem is not None else None,
        author_id=actor.id,
        key=secrets.token_hex(16),
        content_type=processed.content_type,
        width=processed.width,
        height=processed.height,
        thumb_width=processed.thumb_width,
        thumb_height=processed.thumb_height,
        byte_size=len(processed.data),
        alt=cleaned_alt or "",
        position=_next_position(problem),
        created_at=utcnow(),
    )
    main, thumb = path_of(photo), path_of(photo, thumbnail=True)
    written = db.session.info.setdefault(_PENDING_NEW, [])
    written.extend([str(main), str(thumb)])
    _write(main, processed.data)
    _write(thumb, processed.thumbnail)
    db.session.add(photo)
    db.session.flush()
    if problem is not None:
        refresh_cover(problem)
    return photo


def _next_position(problem: Problem | None) -> int:
    if problem is None:
        return 0
    highest = db.session.execute(select(func.max(Photo.position)).where(Photo.problem_id == problem.id)).scalar()
    return (highest or 0) + 1


def add_photo(actor: Any, problem: Problem, data: bytes, alt: str | None, *, field: str = "photo") -> Photo:
    """Add a photo to a problem: whoever may edit it (its author while open, or a moderator)."""
    refusal = problem.edit_refusal(actor)
    if refusal is not None:
        raise PermissionDenied(refusal)
    return store(actor, data, alt, problem=problem, field=field)


def pending_photos(actor: Any, keys: list[str]) -> list[Photo]:
    """The actor's photos waiting for a problem, by key, in the order given (others' keys are ignored)."""
    keys = [key for key in keys if isinstance(key, str) and len(key) == 32][:MAX_PHOTOS]
    if not keys or actor is None or not actor.is_authenticated:
        return []
    found = {
        photo.key: photo
        for photo in db.session.execute(
            select(Photo).where(Photo.key.in_(keys), Photo.author_id == actor.id, Photo.problem_id.is_(None))
        ).scalars()
    }
    return [found[key] for key in keys if key in found]


def attach_pending(actor: Any, problem: Problem, photos: list[Photo]) -> None:
    """Tie the actor's pending photos to the problem they were uploaded for."""
    if not photos:
        return
    refusal = problem.edit_refusal(actor)
    if refusal is not None:
        raise PermissionDenied(refusal)
    _check_room(problem, len(photos))
    start = _next_position(problem)
    for offset, photo in enumerate(photos):
        if photo.author_id != actor.id or photo.problem_id is not None:
            continue
        photo.problem_id = problem.id
        photo.position = start + offset
    db.session.flush()
    refresh_cover(problem)


def delete_photo(actor: Any, problem: Problem, photo: Photo) -> None:
    """Remove a photo and (once committed) its files: whoever may edit the problem."""
    if photo.problem_id != problem.id:
        raise PermissionDenied(_("This photo is not on this problem."))
    refusal = problem.edit_refusal(actor)
    if refusal is not None:
        raise PermissionDenied(refusal)
    if actor.id != photo.author_id and actor.id != problem.author_id:
        record(actor, "photo.delete", "problem", problem.id, photo=photo.id)
    remove_files(photo)
    db.session.delete(photo)
    db.session.flush()
    refresh_cover(problem)


PENDING_MAX_AGE = timedelta(days=1)


def prune_pending(older_than: timedelta = PENDING_MAX_AGE) -> int:
    """Remove photos uploaded for a problem that was never posted (and, once committed, their files)."""
    cutoff = utcnow() - older_than
    abandoned = list(
        db.session.execute(select(Photo).where(Photo.problem_id.is_(None), Photo.created_at < cutoff)).scalars()
    )
    for photo in abandoned:
        remove_files(photo)
        db.session.delete(photo)
    db.session.flush()
    return len(abandoned)


def remove_files(photo: Photo) -> None:
    """Have the photo's files removed when the transaction commits."""
    pending = db.session.info.setdefault(_PENDING_REMOVE, [])
    pending.extend([str(path_of(photo)), str(path_of(photo, thumbnail=True))])


def refresh_cover(problem: Problem) -> None:
    """Keep the problem's cover (its first public photo) in step with its photos."""
    db.session.flush()
    key = db.session.execute(
        select(Photo.key)
        .where(Photo.problem_id == problem.id, visibility.public(Photo))
        .order_by(Photo.position, Photo.id)
        .limit(1)
    ).scalar()
    if problem.cover_photo_key != key:
        problem.cover_photo_key = key
    db.session.expire(problem, ["photos"])


# -- reading -----------------------------------------------------------------------------------


def photo_by_key(key: str) -> Photo | None:
    """A stored photo by its key (no visibility decided here: see may_see)."""
    if not key or len(key) > 40:
        return None
    return db.session.execute(select(Photo).where(Photo.key == key)).scalar_one_or_none()


def may_see(photo: Photo, viewer: Any) -> bool:
    """A photo shows where its problem shows; a hidden photo (or pending one) to moderators and its author."""
    if photo.problem_id is None:
        return visibility.viewer_id(viewer) == photo.author_id
    problem = db.session.get(Problem, photo.problem_id)
    return problem is not None and visibility.is_visible_to(problem, viewer) and visibility.is_visible_to(photo, viewer)


def is_public(photo: Photo) -> bool:
    """Shown to everyone: attached to a public problem and not hidden itself (may be cached publicly)."""
    if photo.problem_id is None or photo.hidden_at is not None:
        return False
    problem = db.session.get(Problem, photo.problem_id)
    return problem is not None and visibility.is_public(problem)


def shown_photos(problem: Problem, viewer: Any) -> list[Photo]:
    """The problem's photos this viewer may see, in order (the relationship, loaded once)."""
    return [photo for photo in problem.photos if visibility.is_visible_to(photo, viewer)]


def gallery(problem: Problem, viewer: Any) -> list[Photo]:
    """What the problem's page shows: its photos this viewer may see.

    Asks nothing when the problem has no public photo and the viewer could see no hidden one
    (neither a moderator nor its author): the common case costs no query.
    """
    if problem.cover_photo_key is None and not (
        visibility.is_moderator(viewer) or visibility.viewer_id(viewer) == problem.author_id
    ):
        return []
    return shown_photos(problem, viewer)


def public_photos(problem: Problem) -> list[Photo]:
    """The problem's photos open data shows."""
    return [photo for photo in problem.photos if visibility.is_public(photo)]
