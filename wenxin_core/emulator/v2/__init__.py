"""Qianfan V2 in the emulator: ``/v2/chat/completions``, ``/v2/models``, BCE-BEARER tokens.

One module per job: :mod:`.validation` (JSON and model) with :mod:`.messages` (order rules) and
:mod:`.params` (options), :mod:`.replies` (what is said), :mod:`.responses` (wire bodies),
:mod:`.iam` (keys, ``appid``, the token endpoint), :mod:`.ratelimit` (the ``X-Ratelimit-*``
quota), :mod:`.errors` (error bodies) and :mod:`.routes` (the ASGI handlers).
"""
