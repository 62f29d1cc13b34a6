def templates() -> None:
    """List the templates `okr init --template` accepts.

    Example:

      okr templates
    """
    from okrsheet.render.blocks import Doc
    from okrsheet.render.emit import show_doc
    from okrsheet.templates import available_templates

    doc = Doc()
    for name, description in available_templates().items():
        doc.entry(name, description)
    show_doc(doc)
