"""`python -m matjobs` runs the command line."""

from matjobs.cli import main

main()
