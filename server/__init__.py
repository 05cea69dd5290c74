"""The dskg web application: everything that runs per request.

The app factory is :func:`server.app.create_app`; ``dskg serve`` runs it under gunicorn
(:mod:`server.serve`). Views reach the build they serve through :func:`server.site.site`.
"""
