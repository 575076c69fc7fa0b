"""What the person types reaches the terminal chat whole, or not at all: a line-edited
terminal cuts a line at 4095 bytes without a word, so such a line is refused, and /paste
reads long text with line editing off. Driven through a real pseudo-terminal."""

from __future__ import annotations

import io
import os
import pty
import termios
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.sandbox.terminal.keyboard import TERMINAL_LINE_BYTES, Keyboard
from bot.sandbox.terminal.words import Unclear

pytestmark = pytest.mark.skipif(not hasattr(termios, "ICANON"), reason="needs a POSIX terminal")
CHINESE = "好" * 1500  # 4,500 bytes in UTF-8: a terminal passes on only 1,365 of these characters


@contextmanager
def terminal() -> Iterator[tuple[int, Keyboard]]:
    """A pseudo-terminal: the person types on `typist`, the chat reads the keyboard."""
    typist, screen = pty.openpty()
    attributes = termios.tcgetattr(screen)
    attributes[3] &= ~termios.ECHO  # nobody reads the echo here; it would fill the pty's buffer
    termios.tcsetattr(screen, termios.TCSANOW, attributes)
    stream = open(screen, "rb", buffering=0)  # noqa: SIM115
    try:
        yield typist, Keyboard(stream)
    finally:
        stream.close()
        os.close(typist)


def type_later(typist: int, data: bytes, when=lambda: True) -> threading.Thread:
    def typing() -> None:
        deadline = time.monotonic() + 5
        while not when() and time.monotonic() < deadline:
            time.sleep(0.01)
        os.write(typist, data)

    thread = threading.Thread(target=typing)
    thread.start()
    return thread


@pytest.mark.parametrize("long_line", ["x" * 5000, CHINESE, "y" * TERMINAL_LINE_BYTES])
def test_a_line_the_terminal_cuts_is_refused_and_the_next_line_is_read_as_typed(long_line):
    with terminal() as (typist, keyboard):
        type_later(typist, long_line.encode() + b"\nhello\n").join()

        with pytest.raises(Unclear, match="limit of 4095 bytes.*/paste"):
            keyboard.line()
        assert keyboard.line() == "hello"


def test_a_line_below_the_limit_is_read_whole_in_any_script():
    with terminal() as (typist, keyboard):
        type_later(typist, ("好" * 1364).encode() + b"\n").join()
        assert keyboard.line() == "好" * 1364


def test_paste_reads_text_past_the_terminals_line_limit_and_gives_the_terminal_back():
    with terminal() as (typist, keyboard):
        fd = keyboard.stream.fileno()
        unedited = lambda: not termios.tcgetattr(fd)[3] & termios.ICANON
        typing = type_later(typist, CHINESE.encode() + b"\r" + b"x" * 5000 + b"\nlast line\n.\n", when=unedited)

        pasted = keyboard.pasted()
        typing.join()

        assert pasted == f"{CHINESE}\n{'x' * 5000}\nlast line"
        assert termios.tcgetattr(fd)[3] & termios.ICANON, "line editing is back"


def test_input_that_is_not_a_terminal_has_no_line_limit():
    keyboard = Keyboard(io.BytesIO(b"x" * 9000 + b"\n/paste\nfirst\n" + CHINESE.encode() + b"\n.\nafter\n"))
    assert keyboard.line() == "x" * 9000
    assert keyboard.line() == "/paste"
    assert keyboard.pasted() == f"first\n{CHINESE}"
    assert keyboard.line() == "after"
    assert keyboard.line() is None


def test_a_paste_the_input_ends_in_sends_nothing():
    assert Keyboard(io.BytesIO(b"half a thought\n")).pasted() is None


@given(st.lists(st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n")).filter(lambda s: s != "."),
                max_size=6))
def test_any_text_pasted_arrives_as_written(lines: list[str]):
    keyboard = Keyboard(io.BytesIO("".join(f"{line}\n" for line in lines).encode() + b".\n"))
    assert keyboard.pasted() == "\n".join(lines)


def test_what_is_typed_right_after_a_paste_is_the_next_line():
    with terminal() as (typist, keyboard):
        fd = keyboard.stream.fileno()
        unedited = lambda: not termios.tcgetattr(fd)[3] & termios.ICANON
        type_later(typist, b"one\ntwo\n.\n/quit\n", when=unedited)

        assert keyboard.pasted() == "one\ntwo"
        assert keyboard.line() == "/quit"


def test_a_paste_closed_at_once_is_empty():
    with terminal() as (typist, keyboard):
        fd = keyboard.stream.fileno()
        type_later(typist, b".\n", when=lambda: not termios.tcgetattr(fd)[3] & termios.ICANON)
        assert keyboard.pasted() == ""
