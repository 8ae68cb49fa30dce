"""`python -m loyalsheet` is the same as the `loyalsheet` command."""

from .cli.main import main

if __name__ == "__main__":
    main()
