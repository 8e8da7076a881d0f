"""`make bench-transcode` (python -m bench.transcoding): the transcoder's figures in one run.

1. The one-pass ladder against the usual pipeline (one ffmpeg per rung): speed, PSNR and
   bytes per rung (bench/transcode_ladder.py).
2. Time to first playable for a 2-minute and a 20-minute 1080p source: through the
   pipeline (`make run`'s stack: from the upload's PUT to the master, every rendition's
   first segment and the audio fetched through the API), beside the transcoder alone
   (from its start to its `playable` event) (bench/first_playable.py).
3. The same through the pipeline with chunking on (a threshold under both lengths: chunk
   tasks, the audio's and the finish publishing the chunks as they finish), which is what
   says whether the local stack should chunk by default.
4. One pass against chunked with N = 1, 2, 4, and the cores seen
   (bench/chunked_transcode.py).

    .venv/bin/python -m bench.transcoding [--only first-playable]
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence

from bench import chunked_transcode, first_playable, transcode_ladder
from chalicelib.core import envvars

CHUNKED_THRESHOLD_SECONDS = "60"  # both sources (2 and 20 minutes) are chunked


def chunked_first_playable(argv: Sequence[str]) -> None:
    """bench/first_playable.py's pipeline column with the local stack chunking (its
    `devstack.run` inherits this process's environment)."""
    before = os.environ.get(envvars.TRANSCODE_CHUNK_THRESHOLD_SECONDS)
    os.environ[envvars.TRANSCODE_CHUNK_THRESHOLD_SECONDS] = CHUNKED_THRESHOLD_SECONDS
    print(f"\nChunked: the local stack with {envvars.TRANSCODE_CHUNK_THRESHOLD_SECONDS}="
          f"{CHUNKED_THRESHOLD_SECONDS}", flush=True)
    try:
        first_playable.main(["--only", "pipeline", *argv])
    finally:
        if before is None:
            os.environ.pop(envvars.TRANSCODE_CHUNK_THRESHOLD_SECONDS)
        else:
            os.environ[envvars.TRANSCODE_CHUNK_THRESHOLD_SECONDS] = before


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=("first-playable",),
                        help="only time to first playable, one pass and chunked")
    parser.add_argument("--minutes", nargs="+", default=["2", "20"])
    args = parser.parse_args(argv)
    minutes = ["--minutes", *args.minutes]
    if args.only is None:
        transcode_ladder.main([])
    first_playable.main(minutes if args.only is None else ["--only", "pipeline", *minutes])
    chunked_first_playable(minutes)
    if args.only is None:
        chunked_transcode.main()


if __name__ == "__main__":
    main()
