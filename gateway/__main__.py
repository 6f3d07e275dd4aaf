"""`python -m gateway` is the same as the `content-gateway` command."""

from gateway.cli import main

main()
