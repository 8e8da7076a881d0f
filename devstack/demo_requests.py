"""`make run`'s movie requests, closed on this machine with no account anywhere.

Unless TMDb or a source is configured, the dev stack starts a local TMDb that knows a few
public-domain films and a download server that makes a short test clip for any of them,
and auto-approves requests it can satisfy. So a request made after `make run` goes all
the way: approved, acquired, transcoded, and the "ready" e-mail shows in `make mail`.
"""

from __future__ import annotations

import logging
import os
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from chalicelib.core import envvars
from devstack.fake_tmdb import FakeTmdb
from devstack.ffmpeg import ffmpeg_binary
from devstack.source_server import SourceServer

logger = logging.getLogger("devstack")

CLIP_SECONDS = 8
CLIP_NAME = re.compile(r"\d+\.mp4")
# (TMDb id, title, year, genres, director): films whose copyright has lapsed.
DEMO_FILMS = (
    (10331, "Night of the Living Dead", 1968, ("Horror",), "George A. Romero"),
    (653, "Nosferatu", 1922, ("Horror", "Fantasy"), "F. W. Murnau"),
    (19, "Metropolis", 1927, ("Drama", "Science Fiction"), "Fritz Lang"),
    (961, "The General", 1926, ("Action", "Comedy"), "Buster Keaton"),
    (10378, "Big Buck Bunny", 2008, ("Animation", "Comedy"), "Sacha Goedegebure"),
)


@dataclass
class DemoRequests:
    servers: list[FakeTmdb | SourceServer] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)  # for the banner

    def stop(self) -> None:
        for server in self.servers:
            server.stop()


def start_demo_requests(state_dir: Path) -> DemoRequests:
    """Start what is not configured, and point this process's environment at it."""
    demo = DemoRequests()
    if not os.environ.get(envvars.TMDB_API_KEY) and not os.environ.get(envvars.TMDB_API_URL):
        tmdb = FakeTmdb()
        tmdb.start()
        for tmdb_id, title, year, genres, director in DEMO_FILMS:
            tmdb.add_movie(tmdb_id, title, year=year, genres=genres, directors=[director],
                           certification=None, overview=f"{title} ({year}), a demo film.")
        os.environ.update(tmdb.environ())
        demo.servers.append(tmdb)
        ids = ", ".join(str(film[0]) for film in DEMO_FILMS)
        demo.lines.append(f"  TMDb        a local one knowing TMDb ids {ids}")
    if not os.environ.get(envvars.SOURCE_URL_TEMPLATE) \
            and not os.environ.get(envvars.SOURCE_INGEST_BUCKET):
        folder = state_dir / "sources"
        folder.mkdir(parents=True, exist_ok=True)
        sources = SourceServer(folder, make_clip).start()
        os.environ[envvars.SOURCE_URL_TEMPLATE] = sources.url("{tmdb_id}.mp4")
        os.environ.setdefault(envvars.REQUESTS_AUTO_APPROVE, "true")
        demo.servers.append(sources)
        demo.lines.append(f"  Sources     {sources.base_url} makes a test clip for any "
                          "request (auto-approved)")
    return demo


def make_clip(path: Path) -> bool:
    """A short 720p clip with sound for `<tmdb id>.mp4`; anything else stays a 404."""
    ffmpeg = ffmpeg_binary()
    if not CLIP_NAME.fullmatch(path.name) or ffmpeg is None:
        return False
    seconds = str(CLIP_SECONDS)
    partial = path.with_suffix(".partial.mp4")
    subprocess.run(
        [ffmpeg, "-v", "error", "-y",
         "-f", "lavfi", "-i", f"testsrc2=size=1280x720:rate=25:duration={seconds}",
         "-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}",
         "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac",
         "-shortest", "-movflags", "+faststart", str(partial)],
        check=True, timeout=120,
    )
    partial.rename(path)
    logger.info("made a demo clip", extra={"path": str(path)})
    return True
