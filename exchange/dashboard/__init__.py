"""The operator's dashboard (监管看板) at ``/admin``: server-rendered HTML with inline SVG
charts — no script at all, so it works under a strict Content-Security-Policy — behind a
login with a cluster admin key (docs/supervision.md)."""
