"""The devhost's HTTP front: the app's HTTP triggers and the Durable management API (aiohttp)."""
