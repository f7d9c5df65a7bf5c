"""Operating the board: readiness, metrics, backups, and the trusted proxy's headers."""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    """ProxyFix for TRUSTED_PROXIES, request metrics, versioned static URLs, the operators' routes, `flask backup`."""
    from civicboard import metrics
    from civicboard.ops import static
    from civicboard.ops.cli import backup_cli
    from civicboard.ops.views import bp

    proxies = int(app.config.get("TRUSTED_PROXIES") or 0)
    if proxies > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        # The client's address and scheme (and a path prefix) as the proxy saw them; the
        # Host is never taken from a request (links are built from CIVICBOARD_URL).
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_prefix=proxies)
    metrics.register(app)
    static.register(app)
    app.register_blueprint(bp)
    app.cli.add_command(backup_cli)
