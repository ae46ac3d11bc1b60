"""Security headers on every HTML page the service serves, as Falcon middleware.

The Content-Security-Policy allows scripts, styles and everything else only from the
service's own origin: no inline script, no inline style, no ``style=`` attribute, no other
site's resources. A record's text that slipped through escaping could still not run; the pages
are written to need nothing more (their CSS is a stylesheet, the only script is ``/embed.js``).
Forms may only submit to this origin, and only this origin may frame the pages.

Every other answer (JSON, XML, scripts, errors) gets the headers that make sense for any
response: no MIME sniffing, no full referrer to other sites, no framing by another site (a
CSP would add nothing there: those answers run nothing and load nothing). Over HTTPS (directly, or
as a trusted proxy says with ``X-Forwarded-Proto``) browsers are told to stay on HTTPS.
"""

import falcon

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "form-action 'self'",
        "base-uri 'none'",
        "frame-ancestors 'self'",
    ]
)
PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}


EVERY_RESPONSE = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "SAMEORIGIN",
}
STRICT_TRANSPORT_SECURITY = "max-age=31536000"


class PageSecurityHeaders:
    """Falcon middleware: the page headers above on every ``text/html`` response, the
    others on every response (a resource's own stricter value, such as the dashboard's
    ``X-Frame-Options: DENY``, is kept)."""

    def process_response(
        self, req: falcon.Request, resp: falcon.Response, resource, req_succeeded: bool
    ) -> None:
        for name, value in EVERY_RESPONSE.items():
            if resp.get_header(name) is None:
                resp.set_header(name, value)
        if (resp.content_type or "").startswith("text/html"):
            for name, value in PAGE_HEADERS.items():
                resp.set_header(name, value)
        if req.scheme == "https":
            resp.set_header("Strict-Transport-Security", STRICT_TRANSPORT_SECURITY)
