from enum import StrEnum
from typing import Annotated

import typer


class Shell(StrEnum):
    BASH = "bash"
    ZSH = "zsh"
    FISH = "fish"
    POWERSHELL = "powershell"
    PWSH = "pwsh"


def completion(
    shell: Annotated[
        Shell,
        typer.Argument(help="bash, zsh, fish, powershell or pwsh.", case_sensitive=False),
    ],
) -> None:
    """Print the shell completion script for `okr`; nothing is installed or changed.

    Tab then completes commands, options and choices (`okr sta<Tab>`, `--format <Tab>`).
    Load it in the current shell, or save it where your shell looks for completions
    (PowerShell: in your $PROFILE).

    Examples:

      source <(okr completion bash)                      (this bash session only)

      okr completion bash > ~/.local/share/bash-completion/completions/okr

      okr completion zsh > "${fpath[1]}/_okr"              (then restart zsh)

      okr completion fish > ~/.config/fish/completions/okr.fish

      okr completion powershell | Out-String | Invoke-Expression

      okr completion pwsh >> $PROFILE                      (PowerShell 7)
    """
    from okrsheet.cli import COMPLETE_VAR
    from okrsheet.cli.framework import completion_script

    typer.echo(completion_script(prog_name="okr", complete_var=COMPLETE_VAR, shell=shell))
