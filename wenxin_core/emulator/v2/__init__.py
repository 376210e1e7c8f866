"""Qianfan V2 in the emulator: chat, embeddings, rerank, ``/v2/models``, BCE-BEARER tokens.

One module per job: :mod:`.validation` (JSON and model) with :mod:`.messages` (order rules),
:mod:`.params` (options), :mod:`.tools` (``tools``/``tool_choice``) and :mod:`.formats`
(``response_format``); :mod:`.replies` (what is said) with :mod:`.tool_plan` (which tools are
called), :mod:`.cues` and :mod:`.schema_fill` (arguments from a schema and the text),
:mod:`.structured` (JSON content) and :mod:`.words`; :mod:`.responses` and :mod:`.tool_stream`
(wire bodies and stream fragments); :mod:`.vector_api` and :mod:`.vectors` (embeddings and
rerank); :mod:`.iam` (keys, ``appid``, the token endpoint), :mod:`.ratelimit` (the
``X-Ratelimit-*`` quota), :mod:`.errors` (error bodies) and :mod:`.routes` (the ASGI handlers).
"""
