"""What README.md and docs/*.md name must exist: files, tests, functions, site paths, `minsheng`
commands and their options, the models of the architecture's apps table, the variables of
.env.example, each bench's --help.

A test renamed, a module moved or an option dropped leaves the docs pointing at nothing; each
failure names the citation (doc:line) and what is missing.
"""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

# tests/test_x.py::name or tests/test_x.py::Class::name
TEST_REF = re.compile(r"\b(tests/[\w/]+\.py)((?:::\w+)+)")
# a path from the repository root, or from minsheng/ (board/views/staff.py)
PATH_REF = re.compile(
    r"(?<![\w./-])((?:minsheng|tests|bench|scripts|docs|frontend|\.ci|accounts|api|board|"
    r"directory|insight|stats)/[\w./-]*\w)"
)
# module.py:name (pinyin.py:short_form, insight/places.py:refined_region)
FUNC_REF = re.compile(r"(?<![\w/.-])([\w/]+\.py):(\w+)")
# paths made at run time or by make, not tracked
NOT_TRACKED = ("minsheng/static/vendor", "frontend/node_modules")


def _citations(pattern):
    for doc in DOCS:
        for line_no, line in enumerate(doc.read_text(encoding="utf-8").splitlines(), 1):
            for match in pattern.finditer(line):
                yield f"{doc.relative_to(ROOT)}:{line_no}", match


TEMPLATE_DIRS = [ROOT / "minsheng" / "templates", *(ROOT / "minsheng").glob("*/templates")]
# app/0007 or app/0007_name: a migration
MIGRATION = re.compile(r"^(\w+)/(\d{4})(\w*)$")


def _resolve(path):
    """The file a cited path names: from the root, from minsheng/, a template or a migration."""
    for base in (ROOT, ROOT / "minsheng", *TEMPLATE_DIRS):
        if (base / path).exists():
            return base / path
    migration = MIGRATION.match(path)
    if migration:
        app, number, name = migration.groups()
        found = sorted((ROOT / "minsheng" / app / "migrations").glob(f"{number}{name}*.py"))
        return found[0] if found else None
    return None


def _unique_module(name):
    """A bare module name (pinyin.py) resolves when exactly one file has that name."""
    found = [p for p in (ROOT / "minsheng").rglob(name) if "migrations" not in p.parts]
    found += list((ROOT / "bench").glob(name)) + list((ROOT / "tests").glob(name))
    return found[0] if len(found) == 1 else None


def _defines(source, name):
    return re.search(rf"^\s*(?:async\s+def|def|class)\s+{name}\b|^\s*{name}\s*[:=]", source, re.M)


def test_every_cited_test_exists():
    missing = []
    for where, match in _citations(TEST_REF):
        path = ROOT / match.group(1)
        names = match.group(2).split("::")[1:]
        if not path.exists():
            missing.append(f"{where}: {match.group(0)} (no such file)")
            continue
        source = path.read_text(encoding="utf-8")
        absent = [n for n in names if not _defines(source, n)]
        if absent:
            missing.append(f"{where}: {match.group(0)} (no {', '.join(absent)})")
    assert not missing, "\n".join(missing)


def test_every_cited_path_exists():
    missing = []
    for where, match in _citations(PATH_REF):
        path = match.group(1).rstrip(".")
        if path.startswith(NOT_TRACKED) or any(c in path for c in "*…X"):
            continue  # a pattern: bench/X.py, stats/export/messages.*
        module, _, name = path.rpartition(".")
        if name and "/" not in name and not _resolve(path) and _resolve(module + ".py"):
            # board/views/staff_hints.personal_data_in_reply: a module and a name in it
            if not _defines(_resolve(module + ".py").read_text(encoding="utf-8"), name):
                missing.append(f"{where}: {path} (no {name})")
            continue
        if "." not in path.rsplit("/", 1)[-1] and not MIGRATION.match(path):
            continue  # stats/list, stats/units: the name of a page in a table of timings
        if _resolve(path) is None:
            missing.append(f"{where}: {path}")
    assert not missing, "\n".join(missing)


def test_every_cited_function_exists():
    missing = []
    for where, match in _citations(FUNC_REF):
        module, name = match.groups()
        path = _resolve(module) or ("/" not in module and _unique_module(module))
        if not path:
            missing.append(f"{where}: {match.group(0)} (no such module)")
        elif not _defines(path.read_text(encoding="utf-8"), name):
            missing.append(f"{where}: {match.group(0)} (no {name} in {path.relative_to(ROOT)})")
    assert not missing, "\n".join(missing)


# accounts.views._passwords_dropped, minsheng.board.workflow.reply
DOTTED_REF = re.compile(
    r"(?<![\w./-])((?:minsheng\.)?(?:accounts|api|board|directory|insight|stats)(?:\.\w+)+)"
)


def _dotted_target(dotted):
    """(module file, names left) for the longest prefix of a dotted name that is a module."""
    parts = dotted.removeprefix("minsheng.").split(".")
    for cut in range(len(parts), 0, -1):
        base = ROOT / "minsheng" / Path(*parts[:cut])
        for candidate in (base.with_suffix(".py"), base / "__init__.py"):
            if candidate.exists():
                return candidate, parts[cut:]
    return None, parts


def _in_app(dotted, name):
    """stats.Miss, insight.read_message: a model or task anywhere in the app; or a Celery task
    registered under that very name."""
    app = ROOT / "minsheng" / dotted.removeprefix("minsheng.").split(".")[0]
    for source in (p.read_text(encoding="utf-8") for p in app.rglob("*.py")):
        if _defines(source, name) or f'name="{dotted}"' in source:
            return True
    return False


def test_every_cited_dotted_name_exists():
    missing = []
    for where, match in _citations(DOTTED_REF):
        dotted = match.group(1)
        if dotted.endswith((".py", ".md", ".html", "_")) or match.end() < len(
            match.string
        ) and match.string[match.end()] == "*":
            continue  # a file name, or board.actions.do_*: a family of names
        path, names = _dotted_target(dotted)
        if path and path.name == "__init__.py" and names and names[0][0].isdigit():
            names, path = [], _resolve("/".join([path.parent.name, names[0]]))  # a migration
        if path is None:
            missing.append(f"{where}: {dotted} (no such module)")
        elif names and not _defines(path.read_text(encoding="utf-8"), names[0]):
            if not (path.name == "__init__.py" and _in_app(dotted, names[-1])):
                missing.append(f"{where}: {dotted} (no {names[0]} in {path.relative_to(ROOT)})")
    assert not missing, "\n".join(missing)


def test_every_test_named_alone_exists():
    """test_a_thing cited without its file still names a test of tests/."""
    defined = set()
    for path in (ROOT / "tests").glob("*.py"):
        defined.add(path.stem)
        defined.update(re.findall(r"^\s*(?:async\s+)?(?:def|class)\s+(test_\w+)", path.read_text(), re.M))
    missing = [
        f"{where}: {match.group(1)}"
        for where, match in _citations(re.compile(r"(?<![\w/:])(test_\w+)\b(?!\.py)"))
        if match.group(1) not in defined
    ]
    assert not missing, "\n".join(missing)


def test_every_bench_answers_help_without_running():
    """The README: each bench explains itself with `bench/X.py --help` (exit 0, a usage line); before
    2026-12-05 bench/search.py and bench/search_same.py ran the benchmark instead (a traceback on an
    empty database, minutes of queries on a full one)."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    runs = {
        path.name: subprocess.Popen([sys.executable, str(path), "--help"], cwd=ROOT, env=env, text=True,
                                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        for path in sorted((ROOT / "bench").glob("*.py"))
    }
    wrong = []
    for name, run in runs.items():
        out, _ = run.communicate(timeout=120)
        if run.returncode != 0 or "usage:" not in out:
            wrong.append(f"bench/{name} --help: exit {run.returncode}: {out.strip()[-200:]}")
    assert not wrong, "\n".join(wrong)



# `/stats/list/`, `GET /api/v1/staff/cases/{id}/`, `POST $API/messages/{id}/rate/`: a path of the site
URL_REF = re.compile(r"`(?:(?:GET|POST|PUT|PATCH|DELETE|HEAD) )?(?:\$API)?(/[\w/{}<>.,…:*-]*)[^`]*`")
NOT_OURS = ("/usr/", "/tmp/", "/srv/", "/etc/", "/var/", "/dev/", "/proc/", "/home/", "//", "/protected-media",
            "/media/")
# named by the docs as paths that do not exist (the answer to them is the point)
NOT_PATHS = {"/api/v1/messages", "/open311/v2/request.xml"}


def _site_path(path):
    """The path with each placeholder ({id}, <id>) and format choice ({json,xml}) filled in."""
    path = re.sub(r"\{(\w+),\w+\}", r"\1", path)
    return re.sub(r"\{[^}/]*\}|<[^>/]*>", "1", path)


def test_every_cited_site_path_resolves():
    from django.urls import URLPattern, URLResolver, get_resolver

    def routes(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from routes(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern) and pattern.callback.__name__ != "json_not_found":
                yield "/" + prefix + str(pattern.pattern)

    def filled(route):
        return re.sub(r"<(?:\w+:)?\w+>", "1", route)

    known = [filled(route) for route in routes(get_resolver().url_patterns)]
    known_regex = [re.compile(re.escape(route).replace("1", "[^/]+")) for route in known]

    def resolves(path):
        partial = path.endswith(("/", "…", "*"))  # /open311/v2/, /api/v1/messages/…: some path under it
        path = path.rstrip("…*")
        # api.md and open311.md name paths under /api/v1/ and /open311/v2/ without it; /request/{id} for
        # /open311/v2/request/{id}.json
        for prefix in ("", "/api/v1", "/open311/v2"):
            for whole in (prefix + path, prefix + path + ".json"):
                if any(r.fullmatch(whole) for r in known_regex):
                    return True
                if partial and any(route.startswith(whole) for route in known):
                    return True
        # `/suggestion/` beside `/staff/cases/{id}/dispatch/`: the last part of such a path
        return path.count("/") == 2 and any(route.endswith(path) for route in known)

    missing = []
    for where, match in _citations(URL_REF):
        path = match.group(1).rstrip(".,:")
        if path.startswith(NOT_OURS) or path in NOT_PATHS or path.count("/") < 2:
            continue
        if not resolves(_site_path(path)):
            missing.append(f"{where}: {path}")
    assert not missing, "\n".join(missing)


# minsheng import-staff --data F [--commit], minsheng export-stats messages\|table [-o FILE]
COMMAND_REF = re.compile(r"\bminsheng ([a-z][a-z_-]*[a-z])(?![\w-])((?:[ \t]+(?:\[[^\]`]*\]|[^\s`\[\]|(),;]+))*)")


def test_every_cited_command_option_exists():
    from django.core.management import get_commands, load_command_class

    commands = get_commands()
    missing = []
    for where, match in _citations(COMMAND_REF):
        name, rest = match.group(1).replace("-", "_"), match.group(2)
        if name not in commands:
            if "-" in match.group(1):  # prose (minsheng reads …) has no dash; a command of ours does
                missing.append(f"{where}: no command {match.group(1)}")
            continue
        parser = load_command_class(commands[name], name).create_parser("minsheng", match.group(1))
        options = {option for action in parser._actions for option in action.option_strings}
        missing += [f"{where}: minsheng {match.group(1)} has no {option}"
                    for option in re.findall(r"(?<![\w-])(--?[a-z][\w-]*)", rest) if option not in options]
    assert not missing, "\n".join(missing)


def test_the_architecture_apps_table_names_every_model():
    from django.apps import apps

    rows = dict(re.findall(r"^\| `(\w+)` \| (.*) \|$", (ROOT / "docs" / "architecture.md").read_text(), re.M))
    missing = [
        f"docs/architecture.md, app {label}: {model.__name__}"
        for label in ("accounts", "directory", "board", "insight", "stats", "api")
        for model in apps.get_app_config(label).get_models()
        if f"`{model.__name__}`" not in rows.get(label, "")
    ]
    assert not missing, "\n".join(missing)


def test_env_example_lists_every_variable_read():
    """docs/deploy.md: `.env.example` lists them all (every variable settings and the gunicorn config read)."""
    read = set()
    for module in ("settings.py", "gunicorn_conf.py"):
        source = (ROOT / "minsheng" / module).read_text(encoding="utf-8")
        read.update(re.findall(r"(?:env_\w+\(|os\.environ\.get\(|os\.environ\[)\"([A-Z][A-Z0-9_]+)\"", source))
    read.discard("BROKER_URL")  # the old name of CELERY_BROKER_URL, still read
    listed = set(re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", (ROOT / ".env.example").read_text(encoding="utf-8"), re.M))
    assert read - listed == set()
