"""What an answer looks like: the output models and the functions that render records into
them, one module per resource. Nothing here knows of HTTP: the routers (``app.api``) parse a
request and call a view, and the read model (``app.readmodel``) stores what a view renders."""
