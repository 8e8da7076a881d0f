"""`make bench-transcode` (python -m bench.transcoding): the transcoder's figures in one run.

1. The one-pass ladder against the usual pipeline (one ffmpeg per rung): speed, PSNR and
   bytes per rung (bench/transcode_ladder.py).
2. Time to first playable for a 2-minute and a 20-minute 1080p source: through the
   pipeline (`make run`'s stack: from the upload's PUT to the master, every rendition's
   first segment and the audio fetched through the API), beside the transcoder alone
   (from its start to its `playable` event) (bench/first_playable.py).
3. One pass against chunked with N = 1, 2, 4, and the cores seen
   (bench/chunked_transcode.py).
"""

from __future__ import annotations

from bench import chunked_transcode, first_playable, transcode_ladder

if __name__ == "__main__":
    transcode_ladder.main([])
    first_playable.main([])
    chunked_transcode.main()
