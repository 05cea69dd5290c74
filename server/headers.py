"""Headers every response carries: security policy and CORS.

Everything this server publishes is public and read-only, and no request carries
credentials, so any origin may read any response (``Access-Control-Allow-Origin: *``):
documents, dumps, catalogue, VoID, LDES, graph JSON and the endpoint alike, for
linked-data clients running in a browser. Pages load scripts and styles only from
this server (no inline script anywhere), and may not be framed by other sites.
"""
from __future__ import annotations

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'", "script-src 'self'",
    # YASGUI and Cytoscape set style attributes from their scripts.
    "style-src 'self' 'unsafe-inline'", "img-src 'self' data:", "font-src 'self' data:",
    "connect-src 'self'", "object-src 'none'", "base-uri 'self'", "form-action 'self'",
    "frame-ancestors 'none'"])

SECURITY = [("Content-Security-Policy", CONTENT_SECURITY_POLICY),
            ("X-Content-Type-Options", "nosniff"),
            ("Referrer-Policy", "strict-origin-when-cross-origin"),
            ("X-Frame-Options", "DENY")]

CORS = [("Access-Control-Allow-Origin", "*"),
        ("Access-Control-Expose-Headers",
         "Content-Location, Content-Disposition, DSKG-Results-Truncated, ETag, Link, "
         "Retry-After, Vary")]

#: Answer to a CORS preflight (OPTIONS) on any route.
PREFLIGHT = [("Access-Control-Allow-Methods", "GET, HEAD, POST, OPTIONS"),
             ("Access-Control-Allow-Headers",
              "Accept, Accept-Language, Content-Type, If-None-Match, If-Modified-Since, Range"),
             ("Access-Control-Max-Age", "86400")]

EVERY_RESPONSE = SECURITY + CORS
