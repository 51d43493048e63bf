"""The `minsheng` console script: Django's manage.py, with dashed command names.

`minsheng train-classifier ...` runs the management command `train_classifier`;
`minsheng help train-classifier` shows its help, and `minsheng help` lists the commands
with dashes. Usage lines and option errors name every command as it is typed
(`usage: minsheng export-stats`, not `export_stats`; `minsheng: 没有命令 train-classifer; 是不是
train-classifier? ...`), and a bad option value is reported in one Chinese line
(`minsheng detect-hotspots: error: 参数 --top 的值 'abc' 不是整数`, exit status 2), without the
usage block argparse prints first.
"""

import os
import re
import sys


def main(argv: list[str] | None = None) -> None:
    try:
        _main(argv)
    except KeyboardInterrupt:  # Ctrl-C: outputs are written beside their name and renamed, so none is half-written
        # caught here, around the imports too: Ctrl-C in the first half second was a traceback of the module loading
        sys.stderr.write("\nminsheng: 已中断 (interrupted)\n")
        sys.exit(130)


def _main(argv: list[str] | None) -> None:
    argv = list(sys.argv if argv is None else argv)
    argv[0] = "minsheng"
    if hasattr(sys.stdout, "reconfigure"):
        # a file name that is no UTF-8 (unpacked from a GBK zip) is said back in the bytes it was
        # typed in, as ls does: on a UTF-8 terminal (stdout strict) the summary naming an --out so
        # named failed after the rows were written, and was told as a bad argument (exit 2)
        sys.stdout.reconfigure(errors="surrogateescape")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minsheng.settings")
    if len(argv) > 1 and not argv[1].startswith("-"):
        argv[1] = argv[1].replace("-", "_")
        if argv[1] == "help" and len(argv) > 2 and not argv[2].startswith("-"):
            argv[2] = argv[2].replace("-", "_")
    from django.core.exceptions import ImproperlyConfigured
    from django.db import DatabaseError

    try:
        if argv[1:] in ([], ["help"], ["--help"], ["-h"]):
            sys.stdout.write(_command_list(argv))
            return
        from django.core.management import execute_from_command_line

        _dashed_usage()
        execute_from_command_line(argv)
    except ImproperlyConfigured as exc:
        sys.stderr.write(f"minsheng: 配置错误: {exc}\n")
        sys.exit(2)
    except ModuleNotFoundError as exc:
        # --settings no_such_module (or DJANGO_SETTINGS_MODULE so set) was 35 lines of importlib's traceback
        module = os.environ.get("DJANGO_SETTINGS_MODULE", "")
        if not exc.name or not (module == exc.name or module.startswith(exc.name + ".")):
            raise
        sys.stderr.write(f"minsheng: 配置错误: 找不到设置模块 {module} (--settings 或 DJANGO_SETTINGS_MODULE)\n")
        sys.exit(2)
    except BrokenPipeError:  # `minsheng ... | head`: the reader has what it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
        sys.exit(141)
    except UnicodeEncodeError as exc:
        # a byte that is no UTF-8 in an argument (a GBK terminal): Python keeps it as a lone
        # surrogate, and the query that reads it (stats --region) failed in a traceback
        undecoded = next((arg for arg in argv[1:] if any("\udc80" <= ch <= "\udcff" for ch in arg)), None)
        if undecoded is None or "surrogates not allowed" not in str(exc):
            raise
        shown = undecoded.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
        sys.stderr.write(f"minsheng: 参数 {shown} 不是 UTF-8 编码 (终端或脚本用了 GBK 编码?); 请用 UTF-8 输入\n")
        sys.exit(2)
    except DatabaseError as exc:
        problem = _database_problem(exc, migrating=argv[1:2] == ["migrate"])
        if problem is None:
            raise  # a database that is there, migrated and working: a bug, with its traceback
        sys.stderr.write(f"minsheng: {problem}\n")
        sys.exit(1)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _database_problem(exc: BaseException, migrating: bool = False) -> str | None:
    """Why a command's query failed, in one line, when the cause is the set-up or the
    environment, not the code: a database never migrated (a fresh MINSHENG_VAR_DIR:
    ``train-classifier --from-db`` straight after install was a traceback of ``no such
    table: board_message``), one that cannot be reached, a SQLite file another process holds
    locked or that cannot be written, a PostgreSQL connection lost while the command ran.
    ``minsheng migrate``, the first command of a deployment, was 88 lines of traceback for a
    PostgreSQL database not created yet. None otherwise (a bug; and a database that is there
    at all while ``migrating``). What a failed command wrote in its transaction is rolled back."""
    from django.db import DatabaseError, connections
    from django.db.migrations.executor import MigrationExecutor

    connection = connections["default"]
    if problem := _sqlite_problem(exc, connection):  # first: the check below would wait for a lock again (20 s)
        return problem
    try:
        connection.close()  # a failed statement may have left the connection unusable (PostgreSQL)
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError as failed:
        return _sqlite_problem(failed, connection) or f"无法连接数据库: {_first_line(failed)}"
    if plan and not migrating:
        return f"数据库还有 {len(plan)} 个迁移未执行, 请先运行 minsheng migrate ({_first_line(exc)})"
    state = getattr(exc.__cause__, "sqlstate", None) or ""
    if connection.vendor == "postgresql" and (
            state.startswith(("08", "57P")) or (not state and isinstance(exc.__cause__, _psycopg_lost()))):
        # 57P01: pg_terminate_backend or a server shutting down; no SQLSTATE: the socket closed
        return f"与数据库的连接中断, 请检查数据库服务后重试 ({_first_line(exc)})"
    if state == "55P03":  # lock_timeout
        return f"数据库被另一个进程锁住, 请稍后重试 ({_first_line(exc)})"
    if state.startswith("53"):  # insufficient resources: disk full, out of memory, too many connections
        return f"数据库服务器资源不足 ({_first_line(exc)})"
    if state == "57014":  # statement_timeout, pg_cancel_backend
        return f"数据库取消了正在执行的语句 ({_first_line(exc)})"
    return None


def _sqlite_problem(exc: BaseException, connection) -> str | None:
    """A SQLite file another process holds locked past the busy timeout (20 s, settings),
    one that cannot be written (permissions) or read (a disk error, a full disk)."""
    name = getattr(exc.__cause__, "sqlite_errorname", None) or ""
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
        return f"数据库被另一个进程锁住, 请稍后重试 ({_first_line(exc)})"
    if name.startswith(("SQLITE_READONLY", "SQLITE_PERM", "SQLITE_CANTOPEN")):
        return f"无法读写数据库文件 {connection.settings_dict['NAME']}, 请检查它和所在目录的权限 ({_first_line(exc)})"
    if name.startswith(("SQLITE_IOERR", "SQLITE_FULL", "SQLITE_CORRUPT", "SQLITE_NOTADB")):
        return f"数据库文件 {connection.settings_dict['NAME']} 读写出错 ({_first_line(exc)})"
    return None


def _psycopg_lost() -> tuple[type, ...]:
    """psycopg's error without a SQLSTATE that means the connection is gone ("server closed
    the connection unexpectedly", "the connection is lost")."""
    try:
        import psycopg
    except ImportError:
        return ()
    return (psycopg.OperationalError,)


def _dashed_usage() -> None:
    """Every command's parser is named with dashes, the way the command is typed, and
    reports an option error in its one ``prog: error: ...`` line (``--help`` still prints
    the usage); an unknown command is named, and a close one suggested, with dashes too."""
    from difflib import get_close_matches

    from django.core.management import ManagementUtility, get_commands
    from django.core.management.base import BaseCommand

    create_parser = BaseCommand.create_parser
    fetch_command = ManagementUtility.fetch_command

    def dashed(self, prog_name, subcommand, **kwargs):
        parser = create_parser(self, prog_name, subcommand.replace("_", "-"), **kwargs)
        parser.print_usage = lambda file=None: None
        error = parser.error
        parser.error = lambda message: error(_option_error_in_chinese(message))
        return parser

    def fetch_dashed(self, subcommand):
        commands = get_commands()
        if subcommand not in commands:  # Django's own message would say train_classifer
            from django.conf import settings

            settings.INSTALLED_APPS  # noqa: B018 -- settings that fail (get_commands hides it) raise here, as in Django
            close = get_close_matches(subcommand, commands)
            sys.stderr.write(f"minsheng: 没有命令 {subcommand.replace('_', '-')}; "
                             + (f"是不是 {close[0].replace('_', '-')}? " if close else "")
                             + "运行 minsheng help 列出全部命令\n")
            sys.exit(1)
        return fetch_command(self, subcommand)

    BaseCommand.create_parser = dashed
    ManagementUtility.fetch_command = fetch_dashed


# argparse's messages, said in Chinese; the option names and values stay as typed
_ARGPARSE_ERRORS = [
    (r"the following arguments are required: (.*)", r"缺少必需的参数 \1"),
    (r"unrecognized arguments: (.*)", r"不认识的参数 \1"),
    (r"one of the arguments (.*) is required", r"参数 \1 必须给出一个"),
    (r"ambiguous option: (\S+) could match (.*)", r"选项 \1 有歧义, 可能是 \2"),
    (r"argument (\S+): invalid int value: (.*)", r"参数 \1 的值 \2 不是整数"),
    (r"argument (\S+): invalid float value: (.*)", r"参数 \1 的值 \2 不是数字"),
    (r"argument (\S+): (.*) is below the minimum (.*)", r"参数 \1 的值 \2 不能小于 \3"),
    (r"argument (\S+): invalid \w+ value: (.*)", r"参数 \1 的值 \2 无效"),
    (r"argument (\S+): invalid choice: (.*) \(choose from (.*)\)", r"参数 \1 的值 \2 不在可选范围内 (可选: \3)"),
    (r"argument (\S+): expected one argument", r"参数 \1 后面缺少值"),
    (r"argument (\S+): expected at least one argument", r"参数 \1 后面至少要有一个值"),
    (r"argument (\S+): expected at most one argument", r"参数 \1 后面至多一个值"),
    (r"argument (\S+): ignored explicit argument (.*)", r"参数 \1 不接受值 \2"),
    (r"argument (\S+): not allowed with argument (.*)", r"参数 \1 不能与 \2 同时使用"),
]


def int_at_least(minimum: int):
    """An argparse ``type=`` for an integer option of at least ``minimum``: a value below it
    stops the command in its one Chinese line (``参数 --chunk 的值 '0' 不能小于 100``, exit 2)
    rather than being raised to the minimum unsaid."""
    import argparse

    def parse(raw: str) -> int:
        try:
            value = int(raw)
        except ValueError:
            raise argparse.ArgumentTypeError(f"invalid int value: {raw!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{raw!r} is below the minimum {minimum}")
        return value

    return parse


def _option_error_in_chinese(message: str) -> str:
    """An option mistake said in Chinese, as every other error of the commands is
    (``argument --top: invalid int value: 'abc'`` -> ``参数 --top 的值 'abc' 不是整数``);
    a message argparse words otherwise is passed on as it is."""
    for pattern, said in _ARGPARSE_ERRORS:
        if re.fullmatch(pattern, message, flags=re.S):
            return re.sub(pattern, said, message, flags=re.S)
    return message


def _command_list(argv: list[str]) -> str:
    """Django's list of commands, named as they are typed here (train-classifier)."""
    import django
    from django.core.management import ManagementUtility

    django.setup()
    text = ManagementUtility(argv).main_help_text() + "\n"
    return re.sub(r"^( {4})(\w+)$", lambda m: m.group(1) + m.group(2).replace("_", "-"), text, flags=re.M)


if __name__ == "__main__":
    main()
