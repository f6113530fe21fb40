"""`python -m pgotel` runs the CLI."""

from pgotel.cli import main

main()
