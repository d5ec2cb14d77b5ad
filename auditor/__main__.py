"""``python -m auditor``: the same as the ``auditor`` command."""
from .cli import main

if __name__ == "__main__":
    main(prog_name="auditor")
