"""A local Telegram Bot API for the demo and the end-to-end tests.

sb = Sandbox(port=0); await sb.start()
token = sb.create_bot(username="brand_bot", first_name="Brand")
bot = telegram.Bot(token, base_url=sb.api_base_url, base_file_url=sb.file_base_url)
async with SandboxClient(sb.url) as people:
    user = await people.create_user("Ada")
    await people.send_text(user["id"], "brand_bot", "/start")
"""

from bot.sandbox.client import SandboxClient, SandboxError
from bot.sandbox.limits import Limits
from bot.sandbox.server import Sandbox

__all__ = ["Limits", "Sandbox", "SandboxClient", "SandboxError"]
