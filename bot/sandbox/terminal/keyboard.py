"""Reading what the person types.

A terminal in its usual, line-edited mode passes on at most 4095 bytes of one line (Linux;
1023 on macOS) and drops the rest without a word: about 4,000 Latin letters, but only
some 1,360 Chinese characters. A line that reaches the limit is therefore not sent — the
person is told, and /paste reads a long text with line editing off, where the limit does
not apply (the text still appears as it is typed or pasted). Input that is not a terminal
(a pipe, a file) has no such limit and is read as it is.
"""

from __future__ import annotations

import os
import sys
from typing import BinaryIO

from bot.sandbox.terminal.words import Unclear

# The most a line-edited terminal passes on of one line, in bytes (its buffer, less the newline).
TERMINAL_LINE_BYTES = 4095 if sys.platform.startswith("linux") else 1023
PASTE_END = b"."  # a line with only this ends a /paste


class Keyboard:
    def __init__(self, stream: BinaryIO | None = None) -> None:
        self.stream = stream if stream is not None else sys.stdin.buffer
        self._ahead = b""  # typed after a paste's closing dot, in the same read

    def is_terminal(self) -> bool:
        return self.stream.isatty()

    def line(self) -> str | None:
        """The next line as typed, without its line break; None when the input ends. A line
        the terminal may have cut raises Unclear: it is never sent cut."""
        raw = self._readline()
        if not raw:
            return None
        body = raw.rstrip(b"\r\n")
        if self.is_terminal() and len(body) >= TERMINAL_LINE_BYTES:
            raise Unclear(f"not sent: the line reached the terminal's limit of {TERMINAL_LINE_BYTES} bytes, so its end "
                          "was probably cut off; send a long text with /paste")
        return body.decode("utf-8", errors="replace")

    def pasted(self) -> str | None:
        """The lines up to one with only a dot, as one text with its line breaks; None when
        the input ends first (nothing is sent then)."""
        if self.is_terminal() and not self._ahead:
            return self._pasted_unedited()
        lines = []
        while (raw := self._readline()) and raw.rstrip(b"\r\n") != PASTE_END:
            lines.append(raw.rstrip(b"\r\n"))
        return b"\n".join(lines).decode("utf-8", errors="replace") if raw else None

    def _readline(self) -> bytes:
        if not self._ahead:
            return self.stream.readline()
        line, newline, self._ahead = self._ahead.partition(b"\n")
        return line + newline if newline else line + self.stream.readline()

    def _pasted_unedited(self) -> str | None:
        import termios

        fd = self.stream.fileno()
        edited = termios.tcgetattr(fd)
        unedited = termios.tcgetattr(fd)
        unedited[3] &= ~termios.ICANON  # bytes as they come: no line buffer, so no line limit
        unedited[6][termios.VMIN], unedited[6][termios.VTIME] = 1, 0
        termios.tcsetattr(fd, termios.TCSANOW, unedited)
        received = b"\n"  # the /paste line's end: the closing dot is always after a line break
        try:
            while (end := received.find(b"\n" + PASTE_END + b"\n")) < 0:
                chunk = os.read(fd, 65536)
                if not chunk:
                    return None
                received += chunk.replace(b"\r\n", b"\n")
        finally:
            termios.tcsetattr(fd, termios.TCSANOW, edited)
        self._ahead = received[end + len(PASTE_END) + 2:]
        return received[1:end].decode("utf-8", errors="replace")
