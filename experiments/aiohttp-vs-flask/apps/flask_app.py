"""Flask variant: GET /remote fetches the upstream page once and returns it as JSON.

The same module runs under gunicorn's gevent, meinheld and gthread workers.
"""

import os

import requests
from flask import Flask, jsonify
from requests.adapters import HTTPAdapter

UPSTREAM_URL = os.environ.get("UPSTREAM_URL")
if not UPSTREAM_URL:
    raise RuntimeError("UPSTREAM_URL is not set (e.g. http://127.0.0.1:8080/)")

# One session per worker process, shared by all its threads or greenlets. There is a
# single upstream host, so one host pool is enough; it keeps up to 1000 connections.
session = requests.Session()
session.mount("http://", HTTPAdapter(pool_connections=1, pool_maxsize=1000))

app = Flask(__name__)


@app.get("/remote")
def remote():
    try:
        resp = session.get(UPSTREAM_URL)
    except requests.RequestException as exc:
        return jsonify(error=f"upstream unreachable: {exc}"), 502
    status = 200 if resp.status_code == 200 else 502
    return jsonify(upstream_status=resp.status_code, body=resp.text), status
