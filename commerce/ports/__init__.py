"""Ports: what the domain needs from the outside world, as Protocols, one module per context.

storage/ implements them (SQLModel tables, Redis, in-process); tests use the real
implementations or small fakes. Nothing here knows about a database or Telegram."""
