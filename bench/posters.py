"""How fast posters render: `python -m bench.posters --count 1000`.

Renders a poster for each of N synthetic associates as PNG and as JPEG on a process
pool of os.cpu_count() workers, and times the bare QR images (qrcode -> PIL image ->
PNG bytes) for the same N on the same pool, so the table shows what the poster around
the QR costs. Workers are warmed up first (fonts, brand header): a long-running bot
pays that once per process. Numbers are reported, not asserted.
"""

from __future__ import annotations

import argparse
import io
import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor

import qrcode

from bot.images.poster_layout import PosterSpec
from bot.images.posters import render_poster
from commerce.codes import make_short_code, sign_enrollment_code

TARGET_COUNT, TARGET_SECONDS = 1000, 20.0
KEY = b"bench-signing-key-not-a-secret-0123456789"
BRAND = "Maison Lumière"
FIRST_NAMES = ["Bob", "Alice", "Wei", "Maximiliana", "Jean-Baptiste", "Olivia", "Hiroshi", "Zoë"]
LAST_NAMES = ["Chen", "Martin", "Wang", "Konstantinopolskaya", "Dubois", "Smith", "Tanaka", "Müller"]
CHINESE_NAMES = ["李娜", "王伟", "张敏", "刘洋", "陈静", "杨帆", "赵磊", "黄丽"]
STORES = [("Shanghai Xintiandi", "上海新天地店"), ("Beijing Sanlitun", "北京三里屯店"), ("Chengdu IFS", "成都国金中心店")]


def synthetic_specs(count: int) -> list[PosterSpec]:
    """Half English, half Chinese posters, every one with its own code and name."""
    specs = []
    for associate_id in range(1, count + 1):
        english = associate_id % 2 == 0
        store = STORES[associate_id % len(STORES)]
        if english:
            name = f"{FIRST_NAMES[associate_id % 8]} {LAST_NAMES[(associate_id // 8) % 8]}"
        else:
            name = CHINESE_NAMES[associate_id % 8] + ("" if associate_id % 3 else f" {associate_id}")
        specs.append(
            PosterSpec(
                deep_link=f"https://t.me/MaisonLumiereBot?start={sign_enrollment_code(associate_id, KEY)}",
                brand_name=BRAND,
                brand_colour="#8C1D40",
                associate_name=name,
                store_name=store[0] if english else store[1],
                short_code=make_short_code(associate_id, KEY),
                locale="en" if english else "zh-Hans",
                call_to_action=f"Join {BRAND}" if english else f"加入 {BRAND} 会员",
                subtitle="Scan to join and chat with me" if english else "扫码加入，与我一对一聊天",
            )
        )
    return specs


def bare_qr_png(spec: PosterSpec) -> int:
    image = qrcode.make(spec.deep_link, error_correction=qrcode.constants.ERROR_CORRECT_Q)
    out = io.BytesIO()
    image.save(out)
    return len(out.getvalue())


def poster_png(spec: PosterSpec) -> int:
    return len(render_poster(spec, "PNG"))


def poster_jpeg(spec: PosterSpec) -> int:
    return len(render_poster(spec, "JPEG"))


def timed(pool: ProcessPoolExecutor, job: Callable[[PosterSpec], int], specs: Sequence[PosterSpec]) -> tuple[float, int]:
    chunk = max(1, len(specs) // (4 * (os.cpu_count() or 1)))
    started = time.perf_counter()
    total_bytes = sum(pool.map(job, specs, chunksize=chunk))
    return time.perf_counter() - started, total_bytes


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=TARGET_COUNT, help="posters per format (default 1000)")
    args = parser.parse_args(argv)
    workers = os.cpu_count() or 1
    specs = synthetic_specs(args.count)

    with ProcessPoolExecutor(max_workers=workers) as pool:
        started = time.perf_counter()
        list(pool.map(poster_png, specs[: 2 * workers], chunksize=1))  # fonts, header, QR module
        warm_up = time.perf_counter() - started
        rows = [(label, *timed(pool, job, specs)) for label, job in
                [("bare QR (PNG)", bare_qr_png), ("poster PNG", poster_png), ("poster JPEG", poster_jpeg)]]

    print(f"{args.count} synthetic associates, {workers} worker processes (warm-up {warm_up:.2f} s)")
    print(f"{'what':<16}{'count':>7}{'seconds':>10}{'per s':>9}{'avg KB':>9}")
    for label, seconds, total_bytes in rows:
        print(f"{label:<16}{args.count:>7}{seconds:>10.2f}{args.count / seconds:>9.0f}{total_bytes / args.count / 1024:>9.1f}")
    budget = TARGET_SECONDS * args.count / TARGET_COUNT
    for label, seconds, _ in rows[1:]:
        verdict = "ok" if seconds < budget else "TOO SLOW"
        print(f"target: {TARGET_COUNT} posters < {TARGET_SECONDS:.0f} s -> {label}: {seconds:.2f} s for {args.count} ({verdict})")


if __name__ == "__main__":
    main()
