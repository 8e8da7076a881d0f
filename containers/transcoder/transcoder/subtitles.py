"""Subtitle files read into cues: SRT, WebVTT and ASS/SSA, in whatever text encoding they
came, with their styling brought down to what WebVTT renders. Stdlib only: the container
has nothing else.

ASS/SSA is converted rather than refused: its Dialogue text survives (override blocks such
as `{\\an8}` dropped, `\\N` as a line break), since its styling has no WebVTT equal the
browsers render alike, and refusing it would shut out a very common format.

A cue with broken timings is dropped and counted (the first one's line kept for the
report); a file with no valid cue, or that is no subtitle file, is refused with the reason
and line (SubtitleInvalid).
"""

from __future__ import annotations

import codecs
import html
import re
from dataclasses import dataclass

from transcoder.errors import TranscoderError

# "00:01:02,345", "01:02.345" (WebVTT drops the hours), "0:01:02.34" (ASS: centiseconds).
_TIMESTAMP = r"(?:(\d+):)?(\d{1,2}):(\d{1,2})[,.](\d{1,3})"
_TIMING = re.compile(rf"^\s*{_TIMESTAMP}\s*-->\s*{_TIMESTAMP}(?:\s.*)?$")
_WEBVTT_KEEP = frozenset({"b", "i", "u"})
_TAG = re.compile(r"<\s*(/?)\s*([A-Za-z][A-Za-z0-9.]*)[^>]*>")
_ASS_OVERRIDE = re.compile(r"\{[^}]*\}")
# Bytes a text file should not hold: a binary (a video, a picture) uploaded by mistake.
_BINARY_CONTROLS = frozenset(range(0, 9)) | {11, 12} | frozenset(range(14, 32))


class SubtitleInvalid(TranscoderError):
    """Not a subtitle file, or one without a single usable cue: a new file helps, a retry
    does not."""

    code = "subtitle_invalid"
    retryable = False

    def __init__(self, reason: str, line: int | None = None) -> None:
        super().__init__(f"line {line}: {reason}" if line else reason)
        self.line = line


@dataclass(frozen=True)
class Cue:
    start_ms: int
    end_ms: int
    text: str  # WebVTT cue text: <b>, <i>, <u> and escaped characters only


@dataclass(frozen=True)
class Subtitles:
    cues: tuple[Cue, ...]  # by start time
    dropped: int  # cues with broken timings, left out
    first_dropped_line: int | None


def decode_text(data: bytes) -> str:
    """UTF-8 (BOM or not), UTF-16 with its BOM, else Latin-1 (which decodes any byte: the
    old Windows subtitle files that are neither)."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as error:
            raise SubtitleInvalid("not a subtitle file: broken UTF-16 text") from error
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def read_subtitles(data: bytes) -> Subtitles:
    """The cues of an SRT, WebVTT or ASS/SSA file; SubtitleInvalid when there are none."""
    if not data.strip():
        raise SubtitleInvalid("the file is empty")
    text = decode_text(data)
    if any(ord(c) in _BINARY_CONTROLS for c in text[:4096]):
        raise SubtitleInvalid("not a subtitle file: it holds binary data")
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    first = next((line.strip() for line in lines if line.strip()), "")
    if first.startswith("WEBVTT"):
        found = _timed_blocks(lines, decimal=".")
    elif first.lower() in ("[script info]", "[v4+ styles]", "[v4 styles]", "[events]"):
        found = _ass_dialogue(lines)
    else:
        found = _timed_blocks(lines, decimal=",.")
    return found


def _timed_blocks(lines: list[str], *, decimal: str) -> Subtitles:
    """SRT or WebVTT: blocks apart by blank lines, each a timing line and its text."""
    cues: list[Cue] = []
    dropped, saw_timing = 0, False
    refusal: tuple[str, int] | None = None  # the first broken cue's reason and line
    number = 0
    while number < len(lines):
        if not lines[number].strip():
            number += 1
            continue
        block_start = number
        block = []
        while number < len(lines) and lines[number].strip():
            block.append(lines[number])
            number += 1
        arrow = next((i for i, line in enumerate(block) if "-->" in line), None)
        if arrow is None:
            continue  # SRT's stray lines, WebVTT's header, NOTE and STYLE blocks
        saw_timing = True
        cue = _cue(block[arrow], block[arrow + 1:], decimal)
        if isinstance(cue, str):
            dropped += 1
            refusal = refusal or (cue, block_start + arrow + 1)
        elif cue is not None:
            cues.append(cue)
    if not saw_timing:
        raise SubtitleInvalid("not a subtitle file: no line reads 'start --> end'", 1)
    if not cues:
        reason, line = refusal or ("no cue has any text", None)
        raise SubtitleInvalid(f"no valid cue ({reason})", line)
    first_bad = refusal[1] if refusal else None
    return Subtitles(tuple(sorted(cues, key=lambda c: c.start_ms)), dropped, first_bad)


def _cue(timing: str, text_lines: list[str], decimal: str) -> Cue | str | None:
    """The cue, a reason its timing is broken, or None when it has no text."""
    match = _TIMING.match(timing)
    if not match or any(sep not in decimal for sep in _separators(timing)):
        return f"{timing.strip()!r} is no 'start --> end' timing"
    start, end = _millis(match.groups()[:4]), _millis(match.groups()[4:])
    if start is None or end is None:
        return f"{timing.strip()!r} has minutes or seconds past 59"
    if end <= start:
        return f"{timing.strip()!r} ends before it starts"
    text = webvtt_text("\n".join(text_lines))
    return Cue(start, end, text) if text.strip() else None


def _separators(timing: str) -> list[str]:
    return re.findall(r"\d([,.])\d", timing)


def _millis(parts: tuple[str | None, ...]) -> int | None:
    hours, minutes, seconds, fraction = parts
    if int(minutes or 0) > 59 or int(seconds or 0) > 59:
        return None
    # "5" after the separator is 500 ms in SRT as WebVTT: pad on the right.
    millis = int((fraction or "0").ljust(3, "0"))
    return ((int(hours or 0) * 60 + int(minutes or 0)) * 60 + int(seconds or 0)) * 1000 + millis


def _ass_dialogue(lines: list[str]) -> Subtitles:
    """ASS/SSA: the Dialogue lines of [Events], by the Format line's Start, End and Text."""
    fields: list[str] | None = None
    cues: list[Cue] = []
    dropped, first_bad = 0, None
    refusal: tuple[str, int | None] = ("no Dialogue line", None)
    for number, line in enumerate(lines, start=1):
        key, _, value = line.partition(":")
        if key.strip() == "Format" and "Text" in value:
            fields = [name.strip() for name in value.split(",")]
        elif key.strip() == "Dialogue" and fields is not None:
            values = value.strip().split(",", len(fields) - 1)
            row = dict(zip(fields, values, strict=False))
            start = _ass_time(row.get("Start", ""))
            end = _ass_time(row.get("End", ""))
            if start is None or end is None or end <= start:
                dropped += 1
                if first_bad is None:
                    first_bad = number
                    refusal = ("broken Start/End", number)
                continue
            raw = _ASS_OVERRIDE.sub("", row.get("Text", ""))
            text = webvtt_text(raw.replace("\\N", "\n").replace("\\n", "\n").replace("\\h", " "))
            if text.strip():
                cues.append(Cue(start, end, text))
    if not cues:
        raise SubtitleInvalid(f"no valid cue ({refusal[0]})", refusal[1])
    return Subtitles(tuple(sorted(cues, key=lambda c: c.start_ms)), dropped, first_bad)


def _ass_time(value: str) -> int | None:
    match = re.fullmatch(r"\s*(\d+):(\d{1,2}):(\d{1,2})[.](\d{1,3})\s*", value)
    if not match:
        return None
    hours, minutes, seconds, fraction = match.groups()
    return _millis((hours, minutes, seconds, fraction))


def webvtt_text(text: str) -> str:
    """Cue text as WebVTT may carry it: <b>, <i>, <u> kept (unbalanced ones closed), every
    other tag and ASS override dropped, the rest escaped, so that it is never markup."""
    text = _ASS_OVERRIDE.sub("", text)
    out, open_tags, position = [], [], 0
    for match in _TAG.finditer(text):
        out.append(_escape(text[position:match.start()]))
        position = match.end()
        closing, name = match.group(1) == "/", match.group(2).lower()
        if name not in _WEBVTT_KEEP:
            continue
        if not closing:
            open_tags.append(name)
            out.append(f"<{name}>")
        elif name in open_tags:
            # Close what was opened inside it too: WebVTT's tags nest.
            while open_tags:
                inner = open_tags.pop()
                out.append(f"</{inner}>")
                if inner == name:
                    break
    out.append(_escape(text[position:]))
    out.extend(f"</{name}>" for name in reversed(open_tags))
    lines = [line.strip() for line in "".join(out).split("\n")]
    return "\n".join(line for line in lines if line)


def _escape(text: str) -> str:
    # "-->" in a cue's text would end it early: escaping ">" takes care of it too.
    return html.escape(html.unescape(text), quote=False)


def render_webvtt(cues: tuple[Cue, ...] | list[Cue], header: str = "") -> str:
    """A WebVTT file of `cues`; `header`: a line for the header block (X-TIMESTAMP-MAP)."""
    lines = ["WEBVTT", *([header] if header else []), ""]
    for cue in cues:
        lines += [f"{format_timestamp(cue.start_ms)} --> {format_timestamp(cue.end_ms)}",
                  cue.text, ""]
    return "\n".join(lines)


def format_timestamp(millis: int) -> str:
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}.{millis:03d}"
