"""What the catalog reads of a version the transcode context reports playable or ready.

Protocols, not classes: the transcoder's events (chalicelib/contracts/transcoder_events.py
`Playable`, `Ready`) satisfy them as they are decoded, so the catalog takes them without a
copy and without knowing their transport (job ids, schema editions, the `type` tag). mypy
checks that the schema keeps providing every field named here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol


class PublishedRendition(Protocol):
    @property
    def height(self) -> int: ...
    @property
    def playlist_key(self) -> str: ...  # in the media bucket
    @property
    def name(self) -> str | None: ...
    @property
    def width(self) -> int | None: ...
    @property
    def bandwidth(self) -> int | None: ...
    @property
    def codecs(self) -> str | None: ...
    @property
    def bytes(self) -> int | None: ...


class PublishedAudio(Protocol):
    """One rendition of the audio group (docs/subtitles.md)."""

    @property
    def name(self) -> str: ...
    @property
    def language(self) -> str: ...
    @property
    def label(self) -> str: ...
    @property
    def channels(self) -> int: ...
    @property
    def default(self) -> bool: ...


class PublishedSubtitle(Protocol):
    """A subtitle stream the transcoder extracted from the source."""

    @property
    def track(self) -> str: ...
    @property
    def language(self) -> str: ...
    @property
    def label(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def default(self) -> bool: ...
    @property
    def cue_count(self) -> int: ...
    @property
    def dropped_cues(self) -> int: ...


class PlayableMedia(Protocol):
    """A version that plays while it is encoded: its playlists grow until it is ready."""

    @property
    def master_playlist_key(self) -> str: ...
    @property
    def renditions(self) -> Sequence[PublishedRendition]: ...
    @property
    def audio(self) -> bool: ...
    @property
    def duration(self) -> float: ...  # seconds
    @property
    def thumbnail_key(self) -> str | None: ...


class ReadyMedia(PlayableMedia, Protocol):
    """A version complete: its trickplay sprites and every track it has."""

    @property
    def vtt_key(self) -> str | None: ...
    @property
    def audio_tracks(self) -> Sequence[PublishedAudio]: ...
    @property
    def subtitles(self) -> Sequence[PublishedSubtitle]: ...
