"""The Telegram interface: the two PTB Applications and their handler registration, the typed
context handlers get, callback data, commands and menus, message catalogs and renderers."""
