"""`storelink sa qr`: associates' QR posters to print, one or all of them.

Posters for everyone render on every core (bench/posters.py measures it): only the spec
crosses into a worker, which writes its file itself.
"""

from __future__ import annotations

import os
import sys
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import click

from bot.cli import support as cli
from bot.runtime.settings import Settings
from commerce.bots import BotKind

if TYPE_CHECKING:  # PIL and qrcode load when a poster is drawn, not on every command
    from bot.images.poster_layout import PosterSpec

POSTER_FORMATS: dict[str, Literal["PNG", "JPEG"]] = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG"}


@click.command("qr", short_help="QR posters to print, of SA or of everyone (--all).", epilog=cli.TOKENS_EPILOG)
@click.argument("sa_ref", metavar="[SA]", required=False)
@click.option("--all", "every", is_flag=True, help="A poster for every active associate.")
@click.option("--out", "out", required=True, type=click.Path(path_type=Path),
              help="The poster file (.png, .jpg) for one SA; the directory for --all.")
@click.option("--format", "fmt", type=click.Choice(["png", "jpeg"]), default="png", show_default=True,
              help="With --all: the posters' format.")
def sa_qr(sa_ref: str | None, every: bool, out: Path, fmt: str) -> None:
    """The QR poster of SA, or of every active associate (--all), to print.

    With --all the files are named <store code>-<short code>.png in the --out directory."""
    if bool(sa_ref) == every:
        click.echo("storelink: name one SA, or pass --all", err=True)
        sys.exit(2)
    settings = cli.settings(require_tokens=False)  # missing tokens are said with every other problem
    if sa_ref:
        fmt_one = POSTER_FORMATS.get(out.suffix.lower())
        if fmt_one is None:
            click.echo(f"storelink: {out.name}: the poster file ends in .png, .jpg or .jpeg", err=True)
            sys.exit(2)
        specs = cli.run(lambda: _poster_specs(settings, sa_ref))
        _write_one(specs[0][0], fmt_one, out)
        return
    specs = cli.run(lambda: _poster_specs(settings, None))
    _write_all(specs, "PNG" if fmt == "png" else "JPEG", out)


async def _poster_specs(settings: Settings, sa_ref: str | None) -> list[tuple[PosterSpec, str]]:
    """(spec, file stem) of one associate or of every active one."""
    from bot.images.poster_specs import poster_spec_for
    from bot.interface.i18n import Catalog
    from commerce.people import AssociateStatus

    problems = cli.missing_tokens(settings, "sa qr")
    database = await cli.database_or_problem(settings, problems)
    if database is None:
        raise cli.Problems(problems)
    try:
        async with database.uow() as uow:
            found = await uow.brands.first()
            if found is None:
                raise cli.Problems([*problems, "no brand yet: load one with `storelink brand load FILE`"])
            stores = {store.id: store for store in await uow.stores.list(found.id)}
            if sa_ref is not None:
                associate = await cli.associate_or_problem(uow, sa_ref, problems)
                if associate is not None and associate.status is not AssociateStatus.ACTIVE:
                    problems.append(f"associate {associate.id} ({associate.display_name}) is deactivated: their code no longer enrols")
                associates = [associate] if associate is not None else []
            else:
                associates = [a for a in await uow.associates.list_all() if a.status is AssociateStatus.ACTIVE]
    finally:
        await database.dispose()
    if problems:
        raise cli.Problems(problems)
    consumer_bot = await cli.bot_username(settings, BotKind.CONSUMER)
    catalog, key = Catalog.load(), settings.signing_keys()[0]
    return [(poster_spec_for(a, stores[a.store_id], found, consumer_bot, key, catalog),
             f"{stores[a.store_id].code}-{a.short_code}") for a in associates]


def _write_one(spec: PosterSpec, fmt: Literal["PNG", "JPEG"], out: Path) -> None:
    from bot.images.poster_layout import layout_poster

    try:
        _write_poster(spec, fmt, str(out))
    except OSError as exc:
        click.echo(f"storelink: cannot write {out} ({exc.strerror})", err=True)
        sys.exit(1)
    click.echo(f"{out}: poster of {spec.associate_name} ({spec.short_code}), {spec.deep_link}")
    dropped = layout_poster(spec).dropped
    if dropped:
        click.echo(f"note: the poster font has no {' '.join(sorted(dropped))}; left out", err=True)


def _write_all(specs: list[tuple[PosterSpec, str]], fmt: Literal["PNG", "JPEG"], out: Path) -> None:
    """Posters render on every core: a thousand take about ten seconds."""
    extension = ".png" if fmt == "PNG" else ".jpg"
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        click.echo(f"storelink: cannot create {out} ({exc.strerror})", err=True)
        sys.exit(1)
    if not specs:
        click.echo("no active associates: no posters written")
        return
    with ProcessPoolExecutor(max_workers=min(len(specs), os.cpu_count() or 1)) as pool, \
            click.progressbar(length=len(specs), label="posters", file=sys.stderr) as bar:
        jobs = [pool.submit(_write_poster, spec, fmt, str(out / f"{stem}{extension}")) for spec, stem in specs]
        try:
            for job in as_completed(jobs):
                job.result()
                bar.update(1)
        except OSError as exc:
            for job in jobs:
                job.cancel()
            click.echo(f"\nstorelink: cannot write a poster in {out} ({exc.strerror})", err=True)
            sys.exit(1)
    click.echo(f"{len(specs)} posters written to {out}")


def _write_poster(spec: PosterSpec, fmt: Literal["PNG", "JPEG"], path: str) -> None:
    """In a worker process: render and write, so only the spec crosses the process boundary."""
    from bot.images.posters import render_poster

    Path(path).write_bytes(render_poster(spec, fmt))
