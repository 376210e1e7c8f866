"""The HTTP layer under both clients: limits, typed transport errors, deadlines, body reading.

Built on well-kept libraries (httpx everywhere; ``httpx-aiohttp`` over aiohttp for the async
client when installed, else httpx's own async transport); what is ours is only what they leave
to the caller: the overall per-attempt deadline, capped decompression, the guard that keeps an
unsolicited answer from reaching the next request, and one mapping of failures to typed errors.
"""
