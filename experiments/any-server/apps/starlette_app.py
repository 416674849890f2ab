"""ASGI variant: GET /remote fetches the upstream page once and returns it as JSON.

Served by uvicorn on uvloop with httptools. Every request of a worker process goes through
one pooled aiohttp client session, opened when the worker starts and closed when it stops:
the seed's aiohttp variant uses the same client, so the two differ only in the server.
(httpx's AsyncClient was tried first; on this route it served a tenth of the requests.)
"""

import contextlib
import os

import aiohttp
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

UPSTREAM_URL = os.environ.get("UPSTREAM_URL")
if not UPSTREAM_URL:
    raise RuntimeError("UPSTREAM_URL is not set (e.g. http://127.0.0.1:8080/)")


@contextlib.asynccontextmanager
async def lifespan(app: Starlette):
    connector = aiohttp.TCPConnector(limit=1000)
    async with aiohttp.ClientSession(connector=connector) as session:
        app.state.session = session
        yield


async def remote(request):
    try:
        async with request.app.state.session.get(UPSTREAM_URL) as resp:
            body = await resp.text()
    except aiohttp.ClientError as exc:
        return JSONResponse({"error": f"upstream unreachable: {exc}"}, status_code=502)
    return JSONResponse(
        {"upstream_status": resp.status, "body": body},
        status_code=200 if resp.status == 200 else 502,
    )


app = Starlette(routes=[Route("/remote", remote)], lifespan=lifespan)
