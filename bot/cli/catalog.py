"""`storelink catalog import` and `storelink inventory import`: the brand's products and the
stock of each SKU in each store, from CSV or JSON files (formats: bot/cli/catalogfile.py).

The whole file is checked, its pictures fetched, and the database consulted before anything
is written; one transaction then applies it. A bad file lists every problem (by line and
field) and exits 2 with nothing written. --dry-run does everything but the commit.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import click

from bot.cli import support as cli
from bot.runtime.settings import Settings
from commerce.catalog_import import CatalogReport, InventoryReport
from commerce.import_cells import CatalogFileError
from commerce.people import Brand
from commerce.ports.uow import UnitOfWork

FILE = click.Path(dir_okay=False, path_type=Path)
JSON_HELP = "Print the result, or the problems, as one JSON object."
DRY_RUN_HELP = "Check everything and say what would change; write nothing."


def register_catalog_commands(main: click.Group) -> None:
    main.add_command(catalog)
    main.add_command(inventory)


@click.group(short_help="The brand's products, SKUs, prices and pictures.")
def catalog() -> None:
    """The brand's products, their SKUs, prices, member prices and pictures."""


@catalog.command("import", short_help="Create or update products from a CSV or JSON file.", epilog=cli.DATABASE_EPILOG)
@click.argument("file", type=FILE)
@click.option("--brand", "brand_name", default=None, help="The brand's name (default: the deployment's brand).")
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
@click.option("--dry-run", is_flag=True, help=DRY_RUN_HELP)
def catalog_import(file: Path, brand_name: str | None, as_json: bool, dry_run: bool) -> None:
    """Create or update products and their SKUs from FILE (CSV or JSON, one SKU per row).

    Products are matched by code and SKUs by sku: importing the same file again changes
    nothing, and an edited file says which fields changed. Pictures are paths relative to
    FILE or http(s) URLs. Every problem is listed and nothing is written unless the whole
    file is valid (exit code 2)."""
    settings = cli.settings(require_tokens=False)
    _run(lambda: _catalog_import(settings, file, brand_name, dry_run), file, as_json, _print_catalog)


@click.group(short_help="Stock of each SKU in each store.")
def inventory() -> None:
    """Stock of each SKU in each store."""


@inventory.command("import", short_help="Set stock per store and SKU from a CSV or JSON file.", epilog=cli.DATABASE_EPILOG)
@click.argument("file", type=FILE)
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
@click.option("--dry-run", is_flag=True, help=DRY_RUN_HELP)
def inventory_import(file: Path, as_json: bool, dry_run: bool) -> None:
    """Set how many of each SKU each store has, from FILE (columns store, sku, on_hand).

    A store's stock may not go below what its open orders hold. Every problem is listed
    and nothing is written unless the whole file is valid (exit code 2)."""
    settings = cli.settings(require_tokens=False)
    _run(lambda: _inventory_import(settings, file, dry_run), file, as_json, _print_inventory)


# --- the work --------------------------------------------------------------------------------


async def _catalog_import(settings: Settings, file: Path, brand_name: str | None, dry_run: bool) -> dict[str, Any]:
    from bot.cli.catalog_images import load_images
    from bot.cli.catalogfile import read_catalog
    from bot.cli.progress import Progress
    from commerce.catalog_import import import_catalog
    from commerce.catalog_plan import plan_catalog

    plan = plan_catalog(file.name, *read_catalog(file))
    database = await cli.database(settings)
    try:
        async with database.uow() as uow:
            brand = await _brand(uow, brand_name)
        now = cli.now()
        with Progress(f"{file.name}: pictures", len(plan.image_refs)) as shown:
            images = await load_images(plan, file.parent, now, progress=shown.advance)
        rows = sum(len(product.variants) for product in plan.products)
        async with database.uow() as uow:
            with Progress(f"{file.name}: rows", rows) as shown:
                report = await import_catalog(uow, brand.id, plan, images, now, progress=shown.advance)  # type: ignore[arg-type]
            if not dry_run:
                await uow.commit()
    finally:
        await database.dispose()
    return _catalog_result(file, dry_run, report)


async def _inventory_import(settings: Settings, file: Path, dry_run: bool) -> dict[str, Any]:
    from bot.cli.catalogfile import read_inventory
    from bot.cli.progress import Progress
    from commerce.catalog_import import import_inventory
    from commerce.catalog_plan import plan_inventory

    plan = plan_inventory(file.name, *read_inventory(file))
    database = await cli.database(settings)
    try:
        async with database.uow() as uow:
            brand = await _brand(uow, None)
            with Progress(f"{file.name}: rows", len(plan.lines)) as shown:
                report = await import_inventory(uow, brand.id, plan, cli.now(), progress=shown.advance)  # type: ignore[arg-type]
            if not dry_run:
                await uow.commit()
    finally:
        await database.dispose()
    return _inventory_result(file, dry_run, report)


async def _brand(uow: UnitOfWork, name: str | None) -> Brand:
    brand = await uow.brands.first()
    if brand is None:
        raise cli.AdminError("there is no brand yet: load one first with `storelink brand load FILE`")
    if name is not None and name.strip().casefold() != brand.name.casefold():
        raise cli.AdminError(f"no brand named '{name}' (this deployment's brand is '{brand.name}')")
    return brand


def _catalog_result(file: Path, dry_run: bool, report: CatalogReport) -> dict[str, Any]:
    return {"file": file.name, "dry_run": dry_run, "products": report.tally("product"),
            "variants": report.tally("variant"), "images": report.images,
            "changes": [{"kind": change.kind, "key": change.key, "outcome": change.outcome, "fields": list(change.fields)}
                        for change in report.changes if change.outcome != "unchanged"]}


def _inventory_result(file: Path, dry_run: bool, report: InventoryReport) -> dict[str, Any]:
    return {"file": file.name, "dry_run": dry_run, "changed": len(report.changes), "unchanged": report.unchanged,
            "changes": [{"store": change.store, "sku": change.sku, "before": change.before, "after": change.after}
                        for change in report.changes]}


# --- saying it -------------------------------------------------------------------------------


def _run(work: Callable[[], Awaitable[dict[str, Any]]], file: Path, as_json: bool,
         say: Callable[[dict[str, Any]], None]) -> None:
    """Bad files exit 2 with every problem; other failures go the way of every command (exit 1)."""

    async def guarded() -> dict[str, Any] | CatalogFileError:
        try:
            return await work()
        except CatalogFileError as exc:
            return exc

    outcome = cli.run(guarded)
    if isinstance(outcome, CatalogFileError):
        count = f"{len(outcome.problems)} problem{'s' if len(outcome.problems) != 1 else ''}"
        if as_json:
            click.echo(json.dumps({"file": file.name, "ok": False, "problems": outcome.problems}, ensure_ascii=False))
        else:
            for problem in outcome.problems:
                click.echo(problem, err=True)
            click.echo(f"storelink: nothing was written ({count})", err=True)
        sys.exit(2)
    if as_json:
        click.echo(json.dumps({"ok": True, **outcome}, ensure_ascii=False))
    else:
        say(outcome)


def _heading(result: dict[str, Any], done: str) -> str:
    return f"{result['file']} checked: nothing was written (--dry-run)" if result["dry_run"] else f"{result['file']} {done}"


def _print_catalog(result: dict[str, Any]) -> None:
    click.echo(_heading(result, "imported"))
    for kind in ("products", "variants"):
        tally = result[kind]
        click.echo(f"  {kind + ':':<11}{tally['created']} created, {tally['updated']} updated, {tally['unchanged']} unchanged")
    click.echo(f"  {'pictures:':<11}{result['images']}")
    for change in result["changes"]:
        if change["outcome"] == "updated":
            click.echo(f"  updated {change['kind']} {change['key']}: {', '.join(change['fields'])}")


def _print_inventory(result: dict[str, Any]) -> None:
    click.echo(_heading(result, "imported"))
    click.echo(f"  stock:     {result['changed']} changed, {result['unchanged']} unchanged")
    for change in result["changes"]:
        before = "none" if change["before"] is None else change["before"]
        click.echo(f"  {change['store']} {change['sku']}: {before} → {change['after']}")
