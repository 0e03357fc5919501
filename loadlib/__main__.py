import sys

from loadlib.cli.main import main

sys.exit(main())
