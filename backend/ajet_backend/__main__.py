import sys

from ajet_backend.cli import main

sys.exit(main())
