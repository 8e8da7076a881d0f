"""Publishing a chunked transcode while its tasks still run, so that it plays long before
it is done (the one pass's progressive.py, for chunks).

The finish task runs from the start of the job and is the one writer of the rungs'
playlists and of the master, so a playlist only ever grows. It follows the chunks in
order: once chunk k's manifest is up (after every segment it names), each rung's EVENT
playlist is rewritten to list chunks 0..k, the *contiguous finished prefix*: a later
chunk that finished first waits for the ones before it, and a player never sees a
segment that is not there yet. The audio's task publishes its own growing playlist
(chunk_job.encode_whole_audio). Once chunk 0 is in and the audio's playlist is up, the
master goes up with bit rates estimated from the ladder's caps, and the job hears that
the version is playable; the finish then writes what a one-pass encode ends with.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import logging
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from transcoder.audio_tracks import AudioPlan
from transcoder.chunk_manifest import joined_segments, manifest_key, media_playlist
from transcoder.chunk_manifest import require_aligned as require_manifests_aligned
from transcoder.errors import TranscodeFailed
from transcoder.ffmpeg_command import AUDIO_NAME, DEFAULT_SETTINGS, PLAYLIST_NAME, EncoderSettings
from transcoder.ffmpeg_process import Deadline
from transcoder.hls import Bitrates, avc_codec, render_media_playlist
from transcoder.ladder import RenditionLadder
from transcoder.progressive import Playable
from transcoder.publish import GROWING, Publication
from transcoder.results import Rendition
from transcoder.transcode import MASTER_PLAYLIST, ladder_master_playlist, rung_rendition

logger = logging.getLogger(__name__)

POLL_SECONDS = 0.5  # two small GETs a look, for a chunk that takes many seconds

Manifest = dict[str, Any]
ReadObject = Callable[[str], bytes | None]  # relative key -> body, None when not there


class ChunkedLivePublisher:
    """`look` once (or `follow` until every task is in): publishes what grew since."""

    def __init__(self, read: ReadObject, publication: Publication, staging: Path,
                 ladder: RenditionLadder, *, chunk_count: int, source_seconds: float,
                 on_playable: Callable[[Playable], None],
                 settings: EncoderSettings = DEFAULT_SETTINGS,
                 audio: Sequence[AudioPlan] = ()) -> None:
        self._read = read
        self._publication = publication
        self._staging = staging
        self._ladder = ladder
        self._chunk_count = chunk_count
        self._source_seconds = source_seconds
        self._on_playable = on_playable
        self._settings = settings
        # The audio task's renditions (issue 20), as the same probe plans them: playable
        # waits for each one's first segments, and the master lists them all.
        self._audio = tuple(audio)
        self.chunks: list[Manifest] = []  # the contiguous finished prefix, in order
        self.audio: Manifest | None = None  # the audio task's manifest, once it is done
        self._audio_up = not ladder.audio
        self._playable = False

    @property
    def complete(self) -> bool:
        """Every chunk's manifest, and the audio's, are in."""
        return len(self.chunks) == self._chunk_count and (
            self.audio is not None or not self._ladder.audio)

    def follow(self, deadline: Deadline, *, poll_seconds: float = POLL_SECONDS,
               sleep: Callable[[float], None] = time.sleep) -> None:
        """Look until every task is in; TranscodeTimedOut when the deadline passes first
        (a task that fails ends the job, which stops this one)."""
        while not self.look():
            if deadline.remaining() <= 0:
                raise deadline.expired()
            sleep(poll_seconds)

    def look(self) -> bool:
        """One look at the tasks' output; True once `complete`."""
        grew = False
        while len(self.chunks) < self._chunk_count:
            manifest = self._manifest(f"c{len(self.chunks)}")
            if manifest is None:
                break
            self.chunks.append(manifest)
            grew = True
        if grew:
            self._publish_prefix()
        if not self._audio_up:
            names = [plan.name for plan in self._audio] or [AUDIO_NAME]
            self._audio_up = all(self._read(f"{name}/{PLAYLIST_NAME}") is not None
                                 for name in names)
        if len(self.chunks) == self._chunk_count and self._ladder.audio and self.audio is None:
            self.audio = self._manifest(AUDIO_NAME)
        if not self._playable and self.chunks and self._audio_up:
            self._announce()
        return self.complete

    def joined(self) -> dict[str, list[dict[str, Any]]]:
        """Each rung's segments over the prefix, checked to join as one encode
        (stitch.ChunksDoNotFit when they do not)."""
        rungs = {rung.name: joined_segments(self.chunks, rung.name, self._source_seconds,
                                            1 / self._ladder.frame_rate)
                 for rung in self._ladder.rungs}
        require_manifests_aligned(rungs)
        return rungs

    def _publish_prefix(self) -> None:
        playlists = []
        for name, segments in self.joined().items():
            path = self._staging / name / PLAYLIST_NAME
            path.parent.mkdir(parents=True, exist_ok=True)
            init = self.chunks[0]["variants"][name]["init"]
            playlist = media_playlist(init, segments, self._settings.segment_seconds)
            path.write_text(render_media_playlist(dataclasses.replace(playlist, ended=False)))
            playlists.append((path, f"{name}/{PLAYLIST_NAME}"))
        self._publication.upload_all(playlists, caching=GROWING)
        logger.info("published chunks 0 to %d of %d", len(self.chunks) - 1, self._chunk_count)

    def _announce(self) -> None:
        renditions = tuple(self._estimate(name, segments)
                           for name, segments in self.joined().items())
        master = self._staging / MASTER_PLAYLIST
        master.write_text(ladder_master_playlist(self._ladder, renditions, self._settings,
                                                 self._audio))
        self._publication.upload(master, MASTER_PLAYLIST, caching=GROWING)
        self._playable = True
        self._on_playable(Playable(MASTER_PLAYLIST, renditions, self._ladder.audio,
                                   self._source_seconds))

    def _estimate(self, name: str, segments: list[dict[str, Any]]) -> Rendition:
        """A rung as the master announces it before its rates are measured: its cap (as
        progressive.LivePublisher does)."""
        rung = next(r for r in self._ladder.rungs if r.name == name)
        init = base64.b64decode(self.chunks[0]["variants"][name]["init_bytes"])
        video = rung.maxrate_kbps * 1000
        audio = max((plan.kbps for plan in self._audio),
                    default=self._settings.audio_kbps) * 1000
        return rung_rendition(
            rung, Bitrates(video, video),
            Bitrates(audio, audio) if self._ladder.audio else None,
            codecs=avc_codec(init), bytes_=len(init) + sum(s["bytes"] for s in segments),
            segments=len(segments))

    def _manifest(self, task: str) -> Manifest | None:
        body = self._read(manifest_key(task))
        if body is None:
            return None
        try:
            manifest: Manifest = json.loads(body)
        except ValueError as error:
            raise TranscodeFailed(f"the {task} manifest is unreadable: {error}") from error
        return manifest
