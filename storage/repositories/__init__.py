"""SQL repositories, one module per aggregate: the commerce ports over one AsyncSession.

They never commit: the unit of work that owns the session does (storage/uow.py)."""
