"""Pure, synchronous pieces of the Durable protocol: history events, episodes, status rendering.

Nothing here performs I/O or imports aiohttp or the storage SDKs.
"""
