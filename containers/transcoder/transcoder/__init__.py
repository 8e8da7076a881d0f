"""The Reelstack transcoder: probe a source video, or encode and publish its HLS ladder.

Runs as `python -m transcoder COMMAND ...` with this package's parent directory as the
working directory or on PYTHONPATH, inside the container image or beside it.
"""
