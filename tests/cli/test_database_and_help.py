"""Which database a command uses, and what its help says.

Only `db upgrade`, `brand load` and `demo` create a database: every other command, and
`run`, names the SQLite file it looked for and stops, so a mistyped path never becomes a
new, empty database (and folder). Every help screen says where settings and the database
come from, and what a command needs; a command with several problems says all of them.
"""

from __future__ import annotations

import secrets
import socket
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from sqlalchemy.engine import make_url

from bot.cli.main import main

TOKENS = {"STORELINK_CONSUMER_BOT_TOKEN": "123456:" + "a" * 35, "STORELINK_ASSOCIATE_BOT_TOKEN": "654321:" + "b" * 35}
BRAND_CSV = "kind,code,name,address,latitude,longitude,timezone,store\n" \
            "brand,,Maison Test,,,,Asia/Shanghai,\nstore,SH-1,Shanghai,1 Road,31.2,121.4,,\n"
NEEDS_NO_DATABASE = {("chat",), ("demo",)}


@pytest.fixture
def storelink(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    for name in [n for n in __import__("os").environ if n.startswith("STORELINK_")]:
        monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)  # no .env of the developer's; var/ stays in tmp_path

    def run(*args: str, database: Path | str, tokens: bool = False):
        """`database`: a SQLite file, or a database URL as written."""
        url = database if isinstance(database, str) else f"sqlite+aiosqlite:///{database}"
        env = {"STORELINK_DATABASE_URL": url, "STORELINK_SIGNING_KEY": secrets.token_urlsafe(32),
               **(TOKENS if tokens else {})}
        return CliRunner().invoke(main, ["--log-level", "WARNING", *args], env=env)

    return run


@pytest.mark.parametrize("command", [
    ["run"], ["member", "tier", "1", "Gold"], ["sa", "list"], ["sa", "deactivate", "1"], ["sa", "invite", "1"],
    ["sa", "add", "--store", "SH-1", "--name", "Bob"], ["sa", "qr", "1", "--out", "poster.png"],
])
def test_a_mistyped_sqlite_path_is_named_and_creates_nothing(storelink, tmp_path, command):
    typo = tmp_path / "vra" / "storelink.db"

    result = storelink(*command, database=typo, tokens=True)

    assert result.exit_code != 0
    assert f"storelink: no database at {typo.resolve()} (STORELINK_DATABASE_URL)" in result.stderr
    assert "Traceback" not in result.output and "no brand is loaded" not in result.output
    assert not typo.parent.exists(), "neither the file nor its folder is made"


COMMANDS_ON_POSTGRES = [["db", "upgrade"], ["brand", "load", "brand.csv"], ["sa", "list"], ["member", "tier", "1", "Gold"], ["run"]]


@pytest.mark.postgres
@pytest.mark.parametrize("command", COMMANDS_ON_POSTGRES)
def test_a_postgresql_database_that_does_not_exist_is_named_with_what_to_do(storelink, tmp_path, postgres_url, command):
    (tmp_path / "brand.csv").write_text(BRAND_CSV)
    name, password = f"storelink_missing_{secrets.token_hex(4)}", f"pw{secrets.token_hex(8)}"
    url = make_url(postgres_url).set(database=name, password=password)
    host, port, user = url.host, url.port or 5432, url.username

    result = storelink(*command, database=url.render_as_string(hide_password=False), tokens=True)

    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f'storelink: there is no database "{name}" on the PostgreSQL server at {host}:{port} (STORELINK_DATABASE_URL): '
        f"create it first, e.g. `createdb -h {host} -p {port} -U {user} {name}`; then `storelink db upgrade` creates its tables"]
    assert password not in result.output and "Traceback" not in result.output


@pytest.mark.postgres
@pytest.mark.parametrize("command", [["db", "upgrade"], ["sa", "list"], ["run"]])
def test_a_postgresql_server_that_does_not_answer_or_refuses_the_user_is_named(storelink, postgres_url, command):
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        closed_port = sock.getsockname()[1]
    real = make_url(postgres_url)
    nobody = real.set(username=f"nobody_{secrets.token_hex(3)}", password="pw-secret-1")

    refused = storelink(*command, database=real.set(host="127.0.0.1", port=closed_port).render_as_string(hide_password=False),
                        tokens=True)
    unknown_user = storelink(*command, database=nobody.render_as_string(hide_password=False), tokens=True)

    assert refused.exit_code == 1 and unknown_user.exit_code == 1
    assert refused.stderr.splitlines() == [
        f'storelink: cannot reach the PostgreSQL server at 127.0.0.1:{closed_port} for database "{real.database}" '
        "(connection refused; STORELINK_DATABASE_URL): check the host and port, and that the server is running"]
    assert unknown_user.stderr.splitlines() == [
        f'storelink: the PostgreSQL server at {real.host}:{real.port or 5432} refused user "{nobody.username}" for database '
        f'"{real.database}" (STORELINK_DATABASE_URL): check the user name and password, or create the user']
    assert "pw-secret-1" not in unknown_user.output and "Traceback" not in refused.output + unknown_user.output


def test_db_upgrade_says_a_postgresql_database_must_be_created_first():
    assert "A PostgreSQL database must exist (`createdb NAME`): this creates its tables." in help_of("db", "upgrade")


@pytest.mark.parametrize("command", [["db", "upgrade"], ["brand", "load", "brand.csv"]])
def test_db_upgrade_and_brand_load_create_the_database(storelink, tmp_path, command):
    (tmp_path / "brand.csv").write_text(BRAND_CSV)
    database = tmp_path / "new" / "storelink.db"

    result = storelink(*command, database=database)
    listed = storelink("sa", "list", database=database)

    assert result.exit_code == 0, result.output
    assert database.is_file() and listed.exit_code == 0, listed.output


def every_command(group: click.Group = main, path: tuple[str, ...] = ()):
    for name, command in group.commands.items():
        yield (*path, name), command
        if isinstance(command, click.Group):
            yield from every_command(command, (*path, name))


def help_of(*path: str) -> str:
    result = CliRunner().invoke(main, [*path, "--help"], terminal_width=80)
    assert result.exit_code == 0, result.output
    return " ".join(result.output.split())  # unwrapped: click folds lines at the terminal's width


def test_every_command_is_listed_with_its_whole_summary():
    for path, command in [((), main), *every_command()]:
        if not isinstance(command, click.Group):
            continue
        listing = help_of(*path).partition("Commands:")[2]
        assert "..." not in listing, path
        for name, sub in command.commands.items():
            assert sub.short_help, f"{' '.join((*path, name))} has no short_help: click would cut its first sentence"
            assert f"{name} {' '.join(sub.short_help.split())}" in listing, (path, name)


def test_the_help_says_where_settings_and_the_database_come_from():
    main_help = help_of()
    assert "STORELINK_* environment variables" in main_help and ".env file" in main_help
    assert "STORELINK_DATABASE_URL" in main_help and "var/storelink.db" in main_help
    for path, command in every_command():
        if isinstance(command, click.Group) or path in NEEDS_NO_DATABASE:
            continue
        screen = help_of(*path)
        assert "STORELINK_DATABASE_URL" in screen and ".env" in screen, path


@pytest.mark.parametrize("path", [("sa", "add"), ("sa", "invite"), ("sa", "qr"), ("run",)])
def test_commands_that_need_the_bot_tokens_say_so(path):
    screen = help_of(*path)
    assert "Needs both bot tokens" in screen
    if path != ("run",):
        assert "STORELINK_CONSUMER_BOT_TOKEN" in screen and "STORELINK_ASSOCIATE_BOT_TOKEN" in screen


@pytest.mark.parametrize("command, unknown", [
    (["sa", "add", "--store", "NOPE", "--name", "Bob"], "store 'NOPE' does not exist"),
    (["sa", "invite", "NOPE"], "no associate with id or short code 'NOPE'"),
    (["sa", "qr", "NOPE", "--out", "poster.png"], "no associate with id or short code 'NOPE'"),
])
def test_without_tokens_every_problem_is_said_not_only_the_first(storelink, tmp_path, command, unknown):
    (tmp_path / "brand.csv").write_text(BRAND_CSV)
    database = tmp_path / "storelink.db"
    assert storelink("brand", "load", "brand.csv", database=database).exit_code == 0

    result = storelink(*command, database=database)

    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert [line for line in lines if "_BOT_TOKEN is missing" in line] == [
        f"storelink: STORELINK_{kind}_BOT_TOKEN is missing: `storelink {' '.join(command[:2])}` needs both bot tokens "
        "(set them in the environment or in .env)" for kind in ("CONSUMER", "ASSOCIATE")]
    assert f"storelink: {unknown}" in lines
    assert "[]" in storelink("sa", "list", "--json", database=database).output, "nothing written"
