import sys

from autograder.checks import main

sys.exit(main())
