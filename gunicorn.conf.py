"""gunicorn settings for production: `gunicorn -c gunicorn.conf.py portal.wsgi`.

Environment: PORT or BIND, WEB_CONCURRENCY (workers, default: one per core), GUNICORN_THREADS.
The app keeps no state of its own, so more capacity is more workers or more machines.
"""

import multiprocessing
import os

bind = os.environ.get("BIND", f"0.0.0.0:{os.environ.get('PORT', '8000')}")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count()))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
# Recycle workers now and then so a slow leak never becomes an outage. The app is loaded once in
# the master and workers are forked from it, so a new worker is ready in milliseconds instead of
# importing Django (and WeasyPrint) for a second or two while requests queue. Nothing opens a
# database or Redis connection at import time, so no socket is shared across the fork.
preload_app = True
max_requests = 20000
max_requests_jitter = 2000
timeout = 30
graceful_timeout = 30
keepalive = 5
accesslog = "-"
errorlog = "-"
# Trust X-Forwarded-* only from the load balancer in front (comma-separated addresses).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
