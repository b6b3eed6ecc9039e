"""Who acts: set per transaction with `set_config('naering.actor', ..., true)`; the history triggers read it.

A module of its own so that callers need not import the ORM models (a measurable start-up cost).
"""

ACTOR_SETTING = "naering.actor"
