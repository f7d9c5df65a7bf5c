"""The WSGI entry point: gunicorn 'wsgi:app', flask --app wsgi."""

import gc

from civicboard import create_app

app = create_app()

# Everything built so far (modules, the app, its routes and templates) lives as long as the
# process: moved out of the collector's sight, a full collection no longer walks it, which
# otherwise costs each busy worker a few milliseconds every few requests.
gc.freeze()
