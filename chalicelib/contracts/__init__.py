"""Shapes that cross a process boundary, each written once for both sides.

A module here imports only the standard library and msgspec: the transcoder's image
copies this package as it is (containers/transcoder/Dockerfile), without the rest of
chalicelib."""
