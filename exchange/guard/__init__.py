"""Abuse protection: rate limits, bans (封禁) and the client address they are keyed on.

* :mod:`~exchange.guard.clients` — who the client is: its address, read through the trusted
  reverse proxies, and the bucket an address is counted in;
* :mod:`~exchange.guard.policy` — the ``--rate-limits`` and ``--auto-ban`` settings;
* :mod:`~exchange.guard.counters` — where counts are kept so that every gunicorn worker (and
  every host) sees the same numbers: a SQL table or Redis, through the ``limits`` library;
* :mod:`~exchange.guard.banlist` — each worker's view of the bans in force;
* :mod:`~exchange.guard.middleware` — the Falcon middleware that refuses banned clients,
  answers 429 past a limit, and bans automatically.

docs/security.md says which threat each control answers.
"""
