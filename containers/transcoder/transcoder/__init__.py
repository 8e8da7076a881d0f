"""The Reelstack transcoder: probe a source video, later encode its HLS ladder.

Runs as `python -m transcoder COMMAND ...` with this package's parent directory as the
working directory or on PYTHONPATH, inside the container image or beside it.
"""
