"""Publishing a transcode's folder under its version prefix, the master playlist last.

Players find a version only through its master playlist, so uploading that last means a
failure part-way never publishes a half-uploaded video; what had been uploaded is then
deleted again, so nothing half-written is left behind.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from pathlib import Path

from transcoder.errors import TranscoderError, UploadFailed
from transcoder.storage import ObjectStore

logger = logging.getLogger(__name__)

UPLOAD_THREADS = 8  # many small segments: latency-bound, not bandwidth-bound
CONTENT_TYPES = {
    ".m3u8": "application/vnd.apple.mpegurl",
    ".ts": "video/mp2t",
    ".m4s": "video/mp4",
    ".mp4": "video/mp4",
    ".jpg": "image/jpeg",
    ".vtt": "text/vtt",
}
# A version prefix is written once: segments never change, so caches may keep them for
# good; playlists and images get an hour, in case a broken version is replaced in place.
IMMUTABLE = "public, max-age=31536000, immutable"
SHORT_LIVED = "public, max-age=3600"
# A playlist that still grows (and the master that names it, rewritten with measured
# rates at the end): a cached copy would hide the segments added since.
GROWING = "no-cache"
IMMUTABLE_SUFFIXES = frozenset({".ts", ".m4s", ".mp4"})


def content_type(path: Path) -> str:
    return CONTENT_TYPES.get(path.suffix.lower(), "application/octet-stream")


def cache_control(path: Path) -> str:
    return IMMUTABLE if path.suffix.lower() in IMMUTABLE_SUFFIXES else SHORT_LIVED


def publish_folder(store: ObjectStore, folder: Path, bucket: str, prefix: str,
                   master_playlist: str, *, publication: Publication | None = None,
                   published: frozenset[Path] = frozenset()) -> None:
    """Upload every file under `folder` to `prefix` + its relative path, `master_playlist`
    after all the others; UploadFailed (after deleting what went up) when any upload fails.

    `published`: files already up as they are (segments sent while ffmpeg wrote them, by
    `publication`, which then takes them back too on a failure).
    """
    publication = publication or Publication(store, bucket, prefix)
    master = folder / master_playlist
    rest = sorted(p for p in folder.rglob("*")
                  if p.is_file() and p != master and p not in published)
    try:
        publication.upload_all([(p, p.relative_to(folder).as_posix()) for p in rest])
        publication.upload(master, master_playlist)
    except TranscoderError:  # JobInterrupted: a stop request, not a broken upload
        publication.take_back()
        raise
    except Exception as error:  # botocore's, the network's, the disk's: all mean the same
        publication.take_back()
        raise UploadFailed(f"uploading to s3://{bucket}/{prefix} failed: {error}") from error


class Publication:
    """Uploads under one version prefix, remembering each key tried so that all of them
    can be taken back. Uploads may come from several threads."""

    def __init__(self, store: ObjectStore, bucket: str, prefix: str) -> None:
        self._store, self._bucket, self.prefix = store, bucket, prefix
        self._attempted: list[str] = []

    def key(self, relative: str) -> str:
        return self.prefix + relative

    def upload(self, path: Path, relative: str, *, caching: str | None = None) -> None:
        key = self.key(relative)
        self._attempted.append(key)  # before the call: a failed PUT may still have landed
        self._store.upload(path, self._bucket, key, content_type=content_type(path),
                           cache_control=caching or cache_control(path))

    def upload_all(self, files: Sequence[tuple[Path, str]], *,
                   caching: str | None = None) -> None:
        """(path, relative key) pairs in parallel; the first failure raises once the
        uploads under way have finished."""
        if not files:
            return
        pool = ThreadPoolExecutor(UPLOAD_THREADS, thread_name_prefix="upload")
        try:
            done, _ = wait([pool.submit(self.upload, path, relative, caching=caching)
                            for path, relative in files], return_when=FIRST_EXCEPTION)
            for future in done:
                future.result()  # raises the first failure
        finally:
            # On a failure or a stop request the queued uploads are dropped; those under
            # way finish (and are then taken back with the rest).
            pool.shutdown(wait=True, cancel_futures=True)

    def take_back(self) -> None:
        """Delete every key tried so far (once: a second call deletes what came since)."""
        keys, self._attempted = self._attempted, []
        if not keys:
            return
        try:
            self._store.delete(self._bucket, keys)
        except Exception:
            logger.exception("could not delete %d uploaded objects from s3://%s/%s",
                             len(keys), self._bucket, self.prefix)
