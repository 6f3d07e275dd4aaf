"""`python -m gateway` is the same as the `content-gateway` command."""

from gateway.cli.main import main

main()
