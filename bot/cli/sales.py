"""`storelink sales`: HQ's numbers, the sales each associate made, per store, over the last
days of the brand's calendar (commerce.sales: orders handed over, attributed to the
associate at order time, refunds subtracted). A table with the brand's money formatting
(Babel, in STORELINK_DEFAULT_LOCALE), or JSON with amounts in minor units and every day.
"""

from __future__ import annotations

import json

import click

from bot.cli import support as cli
from bot.runtime.settings import Settings
from commerce.money import Money, format_money
from commerce.sales import MAX_DAYS, SalesReport, Tally, sales_report


def register_sales_commands(main: click.Group) -> None:
    main.add_command(sales)


@click.command(short_help="Sales per store and associate.", epilog=cli.DATABASE_EPILOG)
@click.option("--days", default=1, show_default=True, type=click.IntRange(1, MAX_DAYS),
              help="The last N days of the brand's calendar, today included.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON object (amounts in minor units, per day).")
def sales(days: int, as_json: bool) -> None:
    """Orders delivered or picked up, and the revenue, per store and associate: each order
    counts for the associate it was attributed to when placed; refunds are subtracted on
    the day they were made."""
    settings = cli.settings(require_tokens=False)
    report = cli.run(lambda: _report(settings, days))
    if as_json:
        click.echo(json.dumps(as_object(report), ensure_ascii=False, indent=2))
    else:
        for line in table(report, settings.default_locale):
            click.echo(line)


async def _report(settings: Settings, days: int) -> SalesReport:
    database = await cli.database(settings)
    try:
        async with database.uow() as uow:
            brand = await uow.brands.first()
            if brand is None:
                raise cli.AdminError("no brand yet: load one with `storelink brand load FILE`")
            return await sales_report(uow, brand, days, cli.now())
    finally:
        await database.dispose()


def table(report: SalesReport, locale: str) -> list[str]:
    span = str(report.first_day) if report.first_day == report.last_day else f"{report.first_day} to {report.last_day}"
    lines = [f"sales {span} ({report.timezone}): orders delivered or picked up, refunds subtracted"]
    if not report.stores:
        return [*lines, "no sales"]
    rows = [("store", "associate", "orders", "refunds", "revenue")]
    brand: dict[str, Tally] = {}
    for store in report.stores:
        for line in store.associates:
            rows.append((f"{store.code} {store.name}", line.name or "(no associate)", str(line.total.orders),
                         str(line.total.refunds), format_money(Money(line.total.net_minor, line.currency), locale)))
        for currency, total in store.totals().items():
            rows.append((f"{store.code} {store.name}", "store total", str(total.orders), str(total.refunds),
                         format_money(Money(total.net_minor, currency), locale)))
            brand[currency] = brand.get(currency, Tally()) + total
    for currency, total in brand.items():
        rows.append(("all stores", "", str(total.orders), str(total.refunds), format_money(Money(total.net_minor, currency), locale)))
    widths = [max(len(row[n]) for row in rows) for n in range(5)]
    for row in rows:
        lines.append("  ".join([row[0].ljust(widths[0]), row[1].ljust(widths[1]),
                                *(cell.rjust(width) for cell, width in zip(row[2:], widths[2:], strict=True))]).rstrip())
    return lines


def as_object(report: SalesReport) -> dict[str, object]:
    def tally(value: Tally) -> dict[str, int]:
        return {"orders": value.orders, "refunds": value.refunds, "revenue_minor": value.gross_minor,
                "refunded_minor": value.refunded_minor, "net_minor": value.net_minor}

    return {
        "first_day": str(report.first_day), "last_day": str(report.last_day), "timezone": report.timezone,
        "stores": [{
            "code": store.code, "name": store.name,
            "totals": {currency: tally(total) for currency, total in store.totals().items()},
            "associates": [{"id": line.associate_id, "name": line.name, "currency": line.currency, **tally(line.total),
                            "days": [{"day": str(day), **tally(value)} for day, value in line.days]}
                           for line in store.associates],
        } for store in report.stores],
    }
