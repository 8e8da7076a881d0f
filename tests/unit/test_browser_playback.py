"""The pieces of cookie playback that need no emulator: the browser's client id, the
relative media playlist, and the segment types the API serves as bytes."""

from __future__ import annotations

import importlib
import re

from chalicelib.playback.browser_playback import browser_client
from chalicelib.playback.delivery import (
    BINARY_SEGMENT_TYPES,
    SEGMENT_NAME,
    SEGMENT_TYPES,
    file_name,
    map_uris,
)
from chalicelib.playback.plans import DEFAULT_PLANS

BASIC = DEFAULT_PLANS["basic"]
FMP4_PLAYLIST = """#EXTM3U
#EXT-X-VERSION:7
#EXT-X-TARGETDURATION:6
#EXT-X-PLAYLIST-TYPE:VOD
#EXT-X-INDEPENDENT-SEGMENTS
#EXT-X-MAP:URI="init_0.mp4"
#EXTINF:6.000000,
segment_00000.m4s
#EXTINF:2.000000,
https://bucket.s3.example/videos/m1/v1/480p/segment_00001.m4s?X-Amz-Signature=abc
#EXT-X-ENDLIST
"""


def test_one_implicit_session_per_user_agent() -> None:
    firefox = browser_client("u1", "Mozilla/5.0 Firefox/128.0", BASIC)

    assert firefox == browser_client("u1", "Mozilla/5.0 Firefox/128.0", BASIC)
    assert firefox.client_id != browser_client("u1", "Mozilla/5.0 Safari/604.1", BASIC).client_id
    assert browser_client("u1", None, BASIC).client_id.startswith("browser-")
    assert len(firefox.client_id) == len("browser-") + 16


def test_the_relative_playlist_names_each_file_beside_it() -> None:
    relative = map_uris(FMP4_PLAYLIST, file_name)

    assert '#EXT-X-MAP:URI="init_0.mp4"' in relative
    uris = [line for line in relative.splitlines() if line and not line.startswith("#")]
    assert uris == ["segment_00000.m4s", "segment_00001.m4s"]
    assert relative.count("#EXTINF") == 2 and relative.endswith("#EXT-X-ENDLIST\n")


def test_every_segment_the_routes_accept_has_a_type_and_binary_ones_pass_as_bytes() -> None:
    accepted = re.search(r"\(([a-z0-9|]+)\)", SEGMENT_NAME.pattern)
    assert accepted is not None
    assert {f".{suffix}" for suffix in accepted.group(1).split("|")} == set(SEGMENT_TYPES)
    assert {"video/mp4", "video/mp2t", "audio/aac"} <= set(BINARY_SEGMENT_TYPES)
    assert "text/vtt" not in BINARY_SEGMENT_TYPES


def test_the_app_registers_the_segment_types_as_binary() -> None:
    app = importlib.import_module("app").app

    assert set(BINARY_SEGMENT_TYPES) <= set(app.api.binary_types)
    assert len(app.api.binary_types) == len(set(app.api.binary_types))
