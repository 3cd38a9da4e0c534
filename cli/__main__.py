"""`python -m cli`: the same commands as the `flanders-assistant` script."""

from cli.main import app

app()
