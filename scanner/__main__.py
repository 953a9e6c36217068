if __name__ == "__main__":
    # Imported here: worker processes (spawn) import this module again, and must neither run the CLI
    # nor load it (typer, rich, ldap3: memory every worker would carry for nothing).
    from scanner.cli import main

    main()
