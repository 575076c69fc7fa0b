"""Order placement with stock holds under contention: `python -m bench.orders [--buyers 200]
[--units 50] [--concurrency 20] [--database-url postgresql+asyncpg://...]`.

N buyers place and have confirmed an order each (two transactions: the member's placement,
the associate's confirmation that holds the stock), C at a time, against one SKU with U
units: U holds succeed, the rest find it out of stock. The baseline, in the same run, is
the same work without contention: every buyer orders a SKU of their own. Both run on a
SQLite file and, with --database-url, on PostgreSQL (in a schema of its own, dropped
afterwards). Reports orders/s and checks that nothing was oversold. Numbers, not asserts.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from commerce.bots import Role
from commerce.identity import Identity
from commerce.order_moves import Moved
from commerce.order_values import Delivery, OutOfStock
from commerce.ordering import OrderRequest, confirm_stock, place_order
from commerce.orders import Fulfilment, Payment
from commerce.people import Associate, Brand, Link, Member, Store
from storage.engine import make_engine
from storage.migrate import upgrade
from storage.tables.catalog import ProductRow, StockRow, VariantRow
from storage.uow import Database

NOW = datetime(2025, 3, 1, 10, 0, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Run:
    seconds: float
    confirmed: int
    out_of_stock: int
    oversold: int  # units held beyond what is on hand (must be 0)

    def line(self, label: str, buyers: int) -> str:
        return (f"  {label:<28} {buyers / self.seconds:8.1f} orders/s   confirmed {self.confirmed:5d}   "
                f"out of stock {self.out_of_stock:5d}   oversold {self.oversold}")


async def seed(db: Database, buyers: int, units: int, contended: bool) -> tuple[Store, Associate, list[Member], list[int]]:
    async with db.uow() as uow:
        brand = await uow.brands.add(Brand(name=f"Bench {secrets.token_hex(3)}"))
        store = await uow.stores.add(Store(brand_id=brand.id, code=f"S{secrets.token_hex(3)}", name="Bench"))  # type: ignore[arg-type]
        associate = await uow.associates.add(Associate(store_id=store.id, display_name="SA",  # type: ignore[arg-type]
                                                       short_code=f"SA{secrets.token_hex(3)}", created_at=NOW))
        product = (await uow.session.execute(sa.insert(ProductRow).values(
            brand_id=brand.id, code="P1", name="Scarf", category="scarves", tags=[], currency="CNY",
            created_at=NOW, updated_at=NOW).returning(ProductRow.id))).scalar_one()
        variants = []
        for n in range(1 if contended else buyers):
            variant = (await uow.session.execute(sa.insert(VariantRow).values(
                brand_id=brand.id, product_id=product, sku=f"SKU-{n}", price_minor=128_000)
                .returning(VariantRow.id))).scalar_one()
            await uow.session.execute(sa.insert(StockRow).values(
                store_id=store.id, variant_id=variant, on_hand=units if contended else 1, held=0, updated_at=NOW))
            variants.append(variant)
        members = []
        base = 8_000_000_000 + secrets.randbelow(10**8) * 100
        for n in range(buyers):
            member = await uow.members.add(Member(brand_id=brand.id, telegram_user_id=base + n, first_name="B",  # type: ignore[arg-type]
                                                  enrolled_at=NOW, store_id=store.id))
            await uow.links.add(Link(member_id=member.id, associate_id=associate.id, started_at=NOW))  # type: ignore[arg-type]
            members.append(member)
        await uow.commit()
    return store, associate, members, variants


async def run(db: Database, buyers: int, units: int, concurrency: int, contended: bool) -> Run:
    store, associate, members, variants = await seed(db, buyers, units, contended)
    staff = Identity(Role.ASSOCIATE, 1, associate=associate, store=store)
    gate = asyncio.Semaphore(concurrency)
    delivery = Delivery(address="1 Bench Road")

    async def buy(n: int) -> object:
        variant = variants[0] if contended else variants[n]
        async with gate:
            async with db.uow() as uow:
                placed = await place_order(uow, Identity(Role.MEMBER, 1, member=members[n]),
                                           OrderRequest(variant, 1, Fulfilment.DELIVERY, Payment.INVOICE, delivery), NOW)
                await uow.commit()
            assert isinstance(placed, Moved) and placed.order.id is not None
            async with db.uow() as uow:
                result = await confirm_stock(uow, staff, placed.order.id, NOW)
                await uow.commit()
            return result

    started = time.perf_counter()
    results = await asyncio.gather(*(buy(n) for n in range(buyers)))
    seconds = time.perf_counter() - started
    async with db.uow() as uow:
        # A hold beyond what is on hand (the check constraints would refuse it anyway).
        over = (await uow.session.execute(sa.select(sa.func.coalesce(sa.func.sum(StockRow.held - StockRow.on_hand), 0))
                                          .where(StockRow.store_id == store.id, StockRow.held > StockRow.on_hand))).scalar_one()
    return Run(seconds, sum(isinstance(r, Moved) for r in results), sum(isinstance(r, OutOfStock) for r in results),
               int(over))


async def bench(url: str, label: str, args: argparse.Namespace) -> None:
    await upgrade(url)
    db = await Database.open(url, migrate=False)
    try:
        print(f"{label}: {args.buyers} buyers, concurrency {args.concurrency}")
        baseline = await run(db, args.buyers, args.units, args.concurrency, contended=False)
        print(baseline.line("baseline (a SKU each)", args.buyers))
        contended = await run(db, args.buyers, args.units, args.concurrency, contended=True)
        print(contended.line(f"one SKU, {args.units} units", args.buyers))
    finally:
        await db.dispose()


async def main(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        await bench(f"sqlite+aiosqlite:///{Path(tmp) / 'bench.sqlite3'}", "SQLite", args)
    if args.database_url:
        schema = f"bench_{secrets.token_hex(4)}"
        engine = make_engine(args.database_url)
        async with engine.begin() as conn:
            await conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        try:
            url = make_url(args.database_url).update_query_dict({"schema": schema}).render_as_string(hide_password=False)
            await bench(url, "PostgreSQL", args)
        finally:
            async with engine.begin() as conn:
                await conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
            await engine.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--buyers", type=int, default=200)
    parser.add_argument("--units", type=int, default=50)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--database-url", default=None, help="a PostgreSQL server to run on as well")
    asyncio.run(main(parser.parse_args()))
