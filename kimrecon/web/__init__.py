"""The web application (`kimrecon serve`): server-rendered German pages and a JSON API over the pipeline.

``server`` starts it, ``app`` holds the routes and the guard (loopback, Host header, CSRF, API
header, security headers), ``storage`` the cases on disk, ``uploads`` the upload limits and the
guard for every uploaded file, ``views`` the German formatting. Pages render the pipeline's
Result and compute no figure.
"""
