import typer


def templates() -> None:
    """List the templates `okr init --template` accepts.

    Example:

      okr templates
    """
    from okrsheet.templates import available_templates

    for name, description in available_templates().items():
        typer.echo(f"{name}\t{description}")
