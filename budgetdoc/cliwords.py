"""The command line's own words in Korean: click's messages, help headings and usage errors.

Part of the command line, not of the engine: only ``generate.py`` calls :func:`speak_korean`.

click passes every word it prints itself through :func:`gettext.gettext` and
:func:`gettext.ngettext` (``Usage:``, ``Options``, ``Missing option``, ``No such command``,
``Path 'x' does not exist``). :func:`korean` and :func:`korean_plural` take their place in
click's modules (``generate.py`` installs them), so that help, usage errors and a missing
path read in one language whatever the machine's locale, while option names stay English.
A message not in the table is printed as click wrote it; the tests hold the table to every
message of the installed click.
"""

from __future__ import annotations

import sys
from typing import Any

WORDS: dict[str, str] = {
    # help
    "Usage:": "사용법:",
    "Options": "옵션",
    "Commands": "명령",
    "Positional arguments": "인수",
    "Show this message and exit.": "이 도움말을 보여 주고 끝냅니다.",
    "Show the version and exit.": "버전을 보여 주고 끝냅니다.",
    "%(prog)s, version %(version)s": "%(prog)s, 버전 %(version)s",
    "default: {default}": "기본: {default}",
    "env var: {var}": "환경 변수: {var}",
    "(dynamic)": "(실행할 때 정함)",
    "deprecated": "더 이상 쓰지 않음",
    "required": "필수",
    "Choose from:\n\t{choices}": "다음 가운데 하나:\n\t{choices}",
    # usage errors
    "Error: {message}": "오류: {message}",
    "Try '{command} {option}' for help.": "'{command} {option}'로 도움말을 보세요.",
    "Missing command.": "명령이 없습니다.",
    "Missing argument": "빠진 인수:",
    "Missing option": "빠진 옵션:",
    "Missing parameter": "빠진 값:",
    "Missing {param_type}": "빠진 {param_type}:",
    "Missing parameter: {param_name}": "빠진 값: {param_name}",
    "No such option {name!r}.": "{name!r} 옵션은 없습니다.",
    "No such command {name!r}.": "{name!r} 명령은 없습니다.",
    "Did you mean {possibility}?": "{possibility}을(를) 뜻했나요?",
    "(Did you mean one of: {possibilities}?)": "(다음 가운데 하나를 뜻했나요: {possibilities}?)",
    "Invalid value for {param_hint}: {message}": "{param_hint}의 값이 잘못되었습니다: {message}",
    "Invalid value: {message}": "값이 잘못되었습니다: {message}",
    "Got unexpected extra argument ({args})": "뜻밖의 인수가 더 있습니다 ({args})",
    "Got unexpected extra arguments ({args})": "뜻밖의 인수가 더 있습니다 ({args})",
    "Takes {nargs} values but 1 was given.": "값 {nargs}개가 필요한데 1개만 주었습니다.",
    "Takes {nargs} values but {len} were given.": "값 {nargs}개가 필요한데 {len}개를 주었습니다.",
    "Option {name!r} does not take a value.": "{name!r} 옵션은 값을 받지 않습니다.",
    "Option {name!r} requires an argument.": "{name!r} 옵션에는 값이 필요합니다.",
    "Option {name!r} requires {nargs} arguments.": "{name!r} 옵션에는 값 {nargs}개가 필요합니다.",
    "Argument {name!r} takes {nargs} values.": "{name!r} 인수는 값 {nargs}개를 받습니다.",
    "Invalid start character for option ({option})": "옵션의 첫 글자가 잘못되었습니다 ({option})",
    "Value must be an iterable.": "값은 목록이어야 합니다.",
    "unknown error": "알 수 없는 오류",
    "Aborted!": "중단했습니다.",
    # values
    "{value!r} is not {choice}.": "{value!r}은(는) 쓸 수 없습니다: {choice}만 됩니다.",
    "{value!r} is not one of {choices}.": "{value!r}은(는) 쓸 수 없습니다: {choices} 가운데 하나여야 합니다.",
    "{value} is not in the range {range}.": "{value}은(는) 범위 {range} 밖입니다.",
    "{value!r} is not a valid {number_type}.": "{value!r}은(는) 올바른 수({number_type})가 아닙니다.",
    "{value!r} is not a valid boolean. Recognized values: {states}": (
        "{value!r}은(는) 참·거짓 값이 아닙니다. 쓸 수 있는 값: {states}"
    ),
    "{value!r} is not a valid UUID.": "{value!r}은(는) 올바른 UUID가 아닙니다.",
    "{value!r} does not match the format {format}.": "{value!r}이(가) 형식 {format}에 맞지 않습니다.",
    "{value!r} does not match the formats {formats}.": "{value!r}이(가) 형식 {formats}에 맞지 않습니다.",
    "{len_type} values are required, but {len_value} was given.": (
        "값 {len_type}개가 필요한데 {len_value}개를 주었습니다."
    ),
    "{len_type} values are required, but {len_value} were given.": (
        "값 {len_type}개가 필요한데 {len_value}개를 주었습니다."
    ),
    # paths
    "file": "파일",
    "directory": "폴더",
    "path": "경로",
    "{name} {filename!r} does not exist.": "{name} {filename!r}이(가) 없습니다.",
    "{name} {filename!r} is a file.": "{name} {filename!r}은(는) 폴더가 아니라 파일입니다.",
    "{name} {filename!r} is a directory.": "{name} {filename!r}은(는) 파일이 아니라 폴더입니다.",
    "{name} {filename!r} is not readable.": "{name} {filename!r}을(를) 읽을 권한이 없습니다.",
    "{name} {filename!r} is not writable.": "{name} {filename!r}에 쓸 권한이 없습니다.",
    "{name} {filename!r} is not executable.": "{name} {filename!r}을(를) 실행할 권한이 없습니다.",
    "Could not open file {filename!r}: {message}": "{filename!r} 파일을 열 수 없습니다: {message}",
    # prompts and the terminal
    "Do you want to continue?": "계속할까요?",
    "Confirm the action without prompting.": "묻지 않고 진행합니다.",
    "Press any key to continue...": "계속하려면 아무 키나 누르세요...",
    "Repeat for confirmation": "확인을 위해 한 번 더",
    "Error: The two entered values do not match.": "오류: 두 번 입력한 값이 다릅니다.",
    "Error: invalid input": "오류: 잘못된 입력",
    "Unknown color {colour!r}": "알 수 없는 색 {colour!r}",
    "Unknown standard stream '{name}'": "알 수 없는 표준 스트림 '{name}'",
    "{editor}: Editing failed": "{editor}: 편집하지 못했습니다",
    "{editor}: Editing failed: {e}": "{editor}: 편집하지 못했습니다: {e}",
    "Windows error: {error}": "Windows 오류: {error}",
    "Couldn't detect Bash version, shell completion is not supported.": (
        "Bash 버전을 알 수 없어 셸 자동 완성을 쓸 수 없습니다."
    ),
    "Shell completion is not supported for Bash versions older than 4.4.": (
        "Bash 4.4보다 오래된 버전에서는 셸 자동 완성을 쓸 수 없습니다."
    ),
}

# Left as click wrote them: how a command is declared (only a bug in the tool shows these), deprecations
# (no command or option is deprecated), a type's repr and a stray one-letter string.
UNTRANSLATED = frozenset(
    {
        "DeprecationWarning: The command {name!r} is deprecated.{extra_message}",
        "DeprecationWarning: The {param_type} {name!r} is deprecated.{extra_message}",
        "Choice({choices})",
        "Could not determine name for option with declarations {decls!r}",
        "No options defined but a name was passed ({name}). Did you mean to declare an argument instead? "
        "Did you mean to pass '--{name}'?",
        "Arguments take exactly one parameter declaration, got {length}: {decls}.",
        "Name '{name}' defined twice",
        "Boolean option {decl!r} cannot use the same flag for true/false.",
        "d",
    }
)


def korean(message: str) -> str:
    """Click's message in Korean, or the message itself when the table does not have it."""
    return WORDS.get(message, message)


def korean_plural(singular: str, plural: str, count: int) -> str:
    """Click's singular or plural message, by count, in Korean."""
    return korean(singular if count == 1 else plural)


def speak_korean(group: Any = None) -> None:
    """Have click speak Korean: its messages now, and the usage line of ``group`` and its commands.

    Called once before the commands are declared (``--version`` takes its help then) and once
    after, with the group, for the ``[옵션]`` and ``명령 [인수]...`` of the usage lines.
    """
    for name in ("core", "decorators", "exceptions", "formatting", "parser", "termui", "types"):
        module = sys.modules[f"click.{name}"]
        module._ = korean  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = korean_plural  # type: ignore[attr-defined]
    if group is not None:
        group.subcommand_metavar = "명령 [인수]..."
        for command in (group, *group.commands.values()):
            command.options_metavar = "[옵션]"
