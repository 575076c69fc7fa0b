"""Rebuild the shipped Noto Sans CJK SC subsets (see README.md in this folder).

Run from the repository root with fontTools installed and Debian's fonts-noto-cjk present:

    python assets/fonts/make_subset.py /usr/share/fonts/opentype/noto

It writes the two OTF files next to this script.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
SC_INDEX = 2  # font number of "Noto Sans CJK SC" inside the Debian .ttc collections

# Latin (with accents), Greek and Cyrillic for foreign names, punctuation, currency,
# CJK punctuation, full-width forms that Chinese input methods produce, and the whole
# CJK Unified Ideographs block: people's names use hanzi well beyond GB2312 (喆, 堃, 玥).
RANGES = [
    (0x0020, 0x007E), (0x00A0, 0x024F), (0x0300, 0x036F), (0x0370, 0x03FF), (0x0400, 0x04FF),
    (0x1E00, 0x1EFF), (0x2000, 0x206F), (0x20A0, 0x20CF), (0x2100, 0x218F),
    (0x2190, 0x21FF), (0x3000, 0x303F), (0x4E00, 0x9FFF), (0xFF00, 0xFFEF),
]
# Only the features a horizontal line of text needs. Leaving out "locl" and the vertical
# features drops the Japanese, Korean and Traditional alternates: half the file size.
LAYOUT_FEATURES = "ccmp,kern,liga,calt,clig,rlig,rvrn,mark,mkmk"


def gb2312_characters() -> set[str]:
    """Every character of GB2312: its symbol rows (kana, Greek, Cyrillic, pinyin, box
    drawing) and all 6,763 hanzi."""
    chars = set()
    for lead in range(0xA1, 0xF8):
        for trail in range(0xA1, 0xFF):
            try:
                chars.add(bytes([lead, trail]).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    return chars


def write_unicodes(path: Path) -> int:
    codepoints = {ord(c) for c in gb2312_characters()}
    for first, last in RANGES:
        codepoints.update(range(first, last + 1))
    path.write_text("".join(f"U+{cp:04X}\n" for cp in sorted(codepoints)))
    return len(codepoints)


def main(source_dir: str) -> None:
    unicodes = Path(tempfile.mkdtemp()) / "unicodes.txt"
    print(f"{write_unicodes(unicodes)} code points")
    for weight in ("Regular", "Bold"):
        out = HERE / f"NotoSansCJKsc-Subset-{weight}.otf"
        subprocess.run(
            [
                sys.executable, "-m", "fontTools.subset",
                str(Path(source_dir) / f"NotoSansCJK-{weight}.ttc"),
                f"--font-number={SC_INDEX}",
                f"--unicodes-file={unicodes}",
                "--name-IDs=*",  # keep the copyright, trademark and licence records
                "--no-hinting",  # posters are drawn large; hints only cost bytes
                f"--layout-features={LAYOUT_FEATURES}",
                f"--output-file={out}",
            ],
            check=True,
        )
        print(f"{out.name}: {out.stat().st_size / 1e6:.2f} MB")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "/usr/share/fonts/opentype/noto")
