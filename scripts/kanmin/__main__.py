"""`python -m kanmin …` is the `kanmin` command (used by the link-check benchmark)."""
import sys

from .cli import main

sys.exit(main())
