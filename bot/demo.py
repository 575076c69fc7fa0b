"""`storelink demo`: the sandbox, both bots and a seeded demo brand in one process."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import yaml

from bot.runtime import Options, Runtime
from bot.sandbox import Sandbox, SandboxClient
from bot.settings import VAR_DIR, load_settings
from commerce.codes import make_short_code
from commerce.model import Associate, HQOperator, Store

log = logging.getLogger("storelink.demo")
DEMO_BRAND = Path(__file__).resolve().parent.parent / "assets" / "demo" / "brand.yaml"
CONSUMER_BOT, ASSOCIATE_BOT = "MaisonLumiereBot", "MaisonStaffBot"


class Demo:
    def __init__(self, *, sandbox_port: int = 8081, http_port: int = 8080, data: Path = DEMO_BRAND) -> None:
        self.sandbox = Sandbox(port=sandbox_port)
        self.http_port = http_port
        self.data: dict[str, Any] = yaml.safe_load(data.read_text())
        self.runtime: Runtime | None = None
        self.people: dict[str, dict[str, Any]] = {}

    async def start(self) -> None:
        await self.sandbox.start()
        database = VAR_DIR / "demo.db"
        for leftover in VAR_DIR.glob("demo.db*"):  # every demo starts from the same story
            leftover.unlink()
        brand = self.data["brand"]
        settings = load_settings(
            _env_file=None,
            consumer_bot_token=self.sandbox.create_bot(CONSUMER_BOT, brand["name"]),
            associate_bot_token=self.sandbox.create_bot(ASSOCIATE_BOT, f"{brand['name']} Staff"),
            bot_api_url=self.sandbox.url,
            database_url=f"sqlite+aiosqlite:///{database}",
            http_port=self.http_port,
            brand_name=brand["name"],
            default_locale=brand.get("default_locale", "en"),
            timezone=brand.get("timezone", "UTC"),
        )
        await self._create_people()
        self.runtime = Runtime(settings, Options())
        await self.runtime.start()
        await self._seed(settings.signing_keys()[0])
        self._write_demo_file()
        print(self.instructions())

    async def _create_people(self) -> None:
        async with SandboxClient(self.sandbox.url) as client:
            staff = [(a["telegram"], a["name"], a.get("locale", "en")) for a in self.data.get("associates", [])]
            staff += [(h["telegram"], h["name"], "en") for h in self.data.get("hq_operators", [])]
            shoppers = [(s["username"], s["first_name"], s.get("language_code", "en")) for s in self.data.get("shoppers", [])]
            for username, name, language in staff + shoppers:
                code = "zh-hans" if language.lower().startswith("zh") else language
                self.people[username] = await client.create_user(name, username=username, language_code=code)

    async def _seed(self, key: bytes) -> None:
        assert self.runtime and self.runtime.services
        services = self.runtime.services
        brand_id = services.brand.id
        assert brand_id is not None
        async with services.uow() as uow:
            brand = services.brand
            brand.colour = self.data["brand"].get("colour", brand.colour)
            stores = {}
            for row in self.data.get("stores", []):
                stores[row["code"]] = await uow.stores.add(Store(brand_id=brand_id, **row))
            for row in self.data.get("associates", []):
                associate = await uow.associates.add(
                    Associate(store_id=stores[row["store"]].id, display_name=row["name"], short_code="pending",
                              locale=row.get("locale", "en"), telegram_user_id=self.people[row["telegram"]]["id"],
                              created_at=services.clock.now())
                )
                associate.short_code = make_short_code(associate.id, key)
                await uow.associates.update(associate)
            for row in self.data.get("hq_operators", []):
                await uow.hq.add(HQOperator(brand_id=brand_id, name=row["name"], telegram_user_id=self.people[row["telegram"]]["id"]))
            await uow.commit()

    def _write_demo_file(self) -> None:
        staff = {a["telegram"]: "associate" for a in self.data.get("associates", [])}
        staff |= {h["telegram"]: "hq" for h in self.data.get("hq_operators", [])}
        VAR_DIR.mkdir(exist_ok=True)
        (VAR_DIR / "demo.json").write_text(json.dumps({
            "sandbox_url": self.sandbox.url,
            "bots": {"consumer": CONSUMER_BOT, "associate": ASSOCIATE_BOT},
            "staff": staff,
        }, indent=2))

    def instructions(self) -> str:
        staff = {a["telegram"]: f"associate, {a['store']}" for a in self.data.get("associates", [])}
        staff |= {h["telegram"]: "HQ operator" for h in self.data.get("hq_operators", [])}
        lines = [
            "",
            f"storelink demo is running: {self.data['brand']['name']}",
            f"  Bot API sandbox  {self.sandbox.url}   consumer bot @{CONSUMER_BOT}, associate bot @{ASSOCIATE_BOT}",
            f"  health, metrics  http://127.0.0.1:{self.http_port}/healthz  /metrics",
            "",
            "Simulated people (open another terminal for each):",
        ]
        for username, person in self.people.items():
            role = staff.get(username, "shopper")
            lines.append(f"  .venv/bin/storelink chat --as {username:<9} # {person['first_name']}, {role}")
        lines += [
            "",
            "Try: as an associate send /start and /help in the associate bot; as a shopper send /start.",
            "Press Ctrl-C to stop.",
            "",
        ]
        return "\n".join(lines)

    async def stop(self) -> None:
        if self.runtime:
            await self.runtime.stop()
        await self.sandbox.stop()
