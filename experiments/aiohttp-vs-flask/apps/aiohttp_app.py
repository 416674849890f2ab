"""aiohttp variant: GET /remote fetches the upstream page once and returns it as JSON.

Run it on uvloop with gunicorn's ``-k aiohttp.GunicornUVLoopWebWorker``: the worker
creates its event loop before this module is imported, so a loop policy set here
would come too late.
"""

import asyncio
import os

import aiohttp
import uvloop
from aiohttp import web

UPSTREAM_URL = os.environ.get("UPSTREAM_URL")
if not UPSTREAM_URL:
    raise RuntimeError("UPSTREAM_URL is not set (e.g. http://127.0.0.1:8080/)")

SESSION = web.AppKey("session", aiohttp.ClientSession)


async def require_uvloop(app: web.Application) -> None:
    # A run on the default asyncio loop would measure something else: refuse to start.
    loop = asyncio.get_running_loop()
    if not isinstance(loop, uvloop.Loop):
        raise RuntimeError(
            f"event loop is {type(loop).__module__}.{type(loop).__name__}, not uvloop; "
            "start gunicorn with -k aiohttp.GunicornUVLoopWebWorker"
        )


async def client_session(app: web.Application):
    # One pooled session per worker process, closed when the worker shuts down.
    connector = aiohttp.TCPConnector(limit=1000)
    async with aiohttp.ClientSession(connector=connector) as session:
        app[SESSION] = session
        yield


async def remote(request: web.Request) -> web.Response:
    try:
        async with request.app[SESSION].get(UPSTREAM_URL) as resp:
            body = await resp.text()
    except aiohttp.ClientError as exc:
        return web.json_response({"error": f"upstream unreachable: {exc}"}, status=502)
    return web.json_response(
        {"upstream_status": resp.status, "body": body},
        status=200 if resp.status == 200 else 502,
    )


app = web.Application()
app.on_startup.append(require_uvloop)
app.cleanup_ctx.append(client_session)
app.router.add_get("/remote", remote)
