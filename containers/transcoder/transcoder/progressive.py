"""Publishing a version while ffmpeg encodes it, so that it plays long before it is done.

A thread watches the variant folders (hls_output.VariantFolder) and, each time segments
are finished, uploads them (with their variant's init segment the first time), then the
variant's EVENT playlist listing exactly what is up: a player never sees a segment that
is not there yet. Once every rendition and the audio have a segment, the master goes up
with bit rates estimated from the ladder's caps, and the job hears that the version is
playable. The job then publishes the rest (final playlists, images, the measured master)
or, on any failure, stops the thread and takes back everything through the same
`Publication`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from transcoder.child_process import hold_termination
from transcoder.errors import TranscoderError, UploadFailed
from transcoder.ffmpeg_command import AUDIO_NAME, PLAYLIST_NAME
from transcoder.hls import AAC_LC, avc_codec, render_media_playlist
from transcoder.hls_output import VariantFolder
from transcoder.ladder import Rung
from transcoder.publish import GROWING, Publication
from transcoder.results import EncodePlan, Rendition
from transcoder.transcode import MASTER_PLAYLIST, ladder_master_playlist

logger = logging.getLogger(__name__)

POLL_SECONDS = 0.2  # a segment is seconds of encoding: this adds little to its wait


@dataclass(frozen=True)
class Playable:
    """What is up when a version first plays; the figures are those so far."""

    master_playlist: str  # relative to the version's prefix
    renditions: tuple[Rendition, ...]  # lowest first, bit rates estimated
    audio: bool
    duration: float  # the source's, as probed


class LivePublisher:
    """`start` (transcode's `on_encode`) begins watching; `finish` or `stop` ends it."""

    def __init__(self, publication: Publication, staging: Path, *,
                 on_playable: Callable[[Playable], None] | None,
                 poll_seconds: float = POLL_SECONDS) -> None:
        self._publication = publication
        self._staging = staging  # where the playlists written here wait for their upload
        self._on_playable = on_playable
        self._poll_seconds = poll_seconds
        self._plan: EncodePlan | None = None
        self._output_dir: Path | None = None
        self._segment_length = 0
        self._listed: dict[str, int] = {}
        self._variants: list[VariantFolder] = []
        self._published: set[Path] = set()
        self._playable = False
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._failure: TranscoderError | None = None

    def start(self, plan: EncodePlan) -> None:
        self._plan = plan
        names = [rung.name for rung in plan.ladder.rungs]
        # Every audio rendition's first segments, not only the default's, before playable.
        names += [a.name for a in plan.audio] or ([AUDIO_NAME] if plan.ladder.audio else [])
        self.watch(plan.output_dir, names, plan.settings.segment_seconds)

    def watch(self, output_dir: Path, names: list[str], segment_seconds: int, *,
              listed: dict[str, int] | None = None) -> None:
        """Begin watching the variant folders `names` of `output_dir`; with no `on_playable`
        (a chunked transcode's audio task) no master is written. `listed`: how many
        segments a variant's published playlist lists already (a retried task's): it is
        rewritten only once it lists as many, so that it never shrinks."""
        self._output_dir, self._segment_length = output_dir, segment_seconds
        self._listed = dict(listed or {})
        self._variants = [VariantFolder(output_dir / name) for name in names]
        # A daemon: should the job itself die, no upload keeps the process alive.
        self._thread = threading.Thread(target=self._watch, name="live-publish", daemon=True)
        self._thread.start()

    @property
    def failure(self) -> TranscoderError | None:
        """What stopped the thread (UploadFailed, say), if anything has."""
        return self._failure

    def check(self) -> None:
        if self._failure is not None:
            raise self._failure

    def finish(self) -> frozenset[Path]:
        """After ffmpeg: the segments still unpublished go up (and the master, if not yet);
        the files published, which need no second upload."""
        self.stop()
        self.check()
        if self._variants:
            self._watch_once()
            self.check()
        return frozenset(self._published)

    def stop(self) -> None:
        """End the thread, letting the uploads under way finish (they are taken back with
        the rest when the job fails)."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join()

    def _watch(self) -> None:
        # The job's SIGTERM is the main thread's: were this thread (or the upload threads
        # it starts, which inherit its mask) to take it, it would reach Python while the
        # main thread holds it off to start ffmpeg (ffmpeg_process.run_ffmpeg).
        hold_termination()
        while not self._stopping.wait(self._poll_seconds) and self._failure is None:
            self._watch_once()

    def _watch_once(self) -> None:
        try:
            self.publish_finished()
        except TranscoderError as error:  # a segment ffmpeg left unreadable
            self._failure = error
        except Exception as error:  # botocore's, the network's, the disk's
            logger.warning("live publishing failed", exc_info=True)
            self._failure = UploadFailed(
                f"uploading to {self._publication.prefix} failed: {error}")

    def publish_finished(self) -> None:
        """One pass: what ffmpeg finished since the last goes up, then the playlists that
        list it, then (once) the master. The thread makes a pass every `poll_seconds`."""
        fresh = [variant for variant in self._variants if variant.scan()]
        if not fresh:
            return
        media = [path for variant in fresh for path in self._unpublished(variant)]
        self._publication.upload_all([(path, self._relative(path)) for path in media])
        self._published.update(media)
        playlists = []
        for variant in fresh:
            if len(variant.segments) < self._listed.get(variant.name, 0):
                continue
            path = self._staging / variant.name / PLAYLIST_NAME
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(render_media_playlist(variant.playlist(
                self._segment_seconds(), ended=False)))
            playlists.append((path, f"{variant.name}/{PLAYLIST_NAME}"))
        self._publication.upload_all(playlists, caching=GROWING)
        if self._on_playable is not None and not self._playable \
                and all(variant.segments for variant in self._variants):
            self._announce()

    def _unpublished(self, variant: VariantFolder) -> list[Path]:
        # The init segment in the same batch as the first segments: both are up before
        # the playlist naming them.
        candidates = [variant.init, *(s.path for s in variant.segments)]
        return [p for p in candidates if p is not None and p not in self._published]

    def _announce(self) -> None:
        assert self._plan is not None
        plan = self._plan
        renditions = tuple(self._estimate(rung) for rung in plan.ladder.rungs)
        master = self._staging / MASTER_PLAYLIST
        master.write_text(ladder_master_playlist(plan.ladder, renditions, plan.settings,
                                                 plan.audio))
        self._publication.upload(master, MASTER_PLAYLIST, caching=GROWING)
        self._playable = True
        assert self._on_playable is not None
        self._on_playable(Playable(MASTER_PLAYLIST, renditions, plan.ladder.audio,
                                   plan.source.duration_seconds))

    def _estimate(self, rung: Rung) -> Rendition:
        """A rung as the master announces it before its rates are measured: its cap."""
        assert self._plan is not None
        variant = next(v for v in self._variants if v.name == rung.name)
        assert variant.init is not None  # every variant has a segment by now
        audio = self._plan.ladder.audio
        codecs = avc_codec(variant.init.read_bytes()) + (f",{AAC_LC}" if audio else "")
        # The heaviest audio rendition it may be played with (a 5.1 one, say).
        audio_kbps = max((a.kbps for a in self._plan.audio),
                         default=self._plan.settings.audio_kbps)
        rate = (rung.maxrate_kbps + (audio_kbps if audio else 0)) * 1000
        return Rendition(
            name=rung.name, width=rung.width, height=rung.height, bandwidth=rate,
            average_bandwidth=rate, codecs=codecs, playlist=f"{rung.name}/{PLAYLIST_NAME}",
            bytes=variant.init.stat().st_size + sum(s.size for s in variant.segments),
            segments=len(variant.segments),
        )

    def _relative(self, path: Path) -> str:
        assert self._output_dir is not None
        return path.relative_to(self._output_dir).as_posix()

    def _segment_seconds(self) -> int:
        return self._segment_length
