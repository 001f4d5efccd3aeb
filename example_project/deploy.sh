#!/usr/bin/env bash
# The deploy path (Render's start command, and the README's local run): check the server
# configuration, migrate, collect static files, ensure the superuser, then replace this shell
# with gunicorn. `set -e` stops at the first failing step with that step's exit code, so a
# failed migration never serves traffic; `exec` makes gunicorn PID 1's direct child and lets it
# receive the platform's SIGTERM for a graceful shutdown.
set -euo pipefail

# Run from any directory: this file lives beside manage.py (copy it there in your project).
cd "$(dirname "${BASH_SOURCE[0]}")"
PYTHON="${PYTHON:-$(command -v python || command -v python3)}"
if [[ ! -f manage.py ]]; then
    printf 'deploy.sh: no manage.py in %s: put deploy.sh beside manage.py\n' "$PWD" >&2
    exit 2
fi

step() { printf '==> %s\n' "$*"; }

step "checking the gunicorn configuration (PORT, WEB_CONCURRENCY, GUNICORN_*, SERVER_INTERFACE)"
# Before touching the database: gunicorn itself dies with a traceback on WEB_CONCURRENCY=abc,
# this prints one line naming each bad variable and exits 2.
where="$("$PYTHON" -m modestwear_config.gunicorn --where)"
# SERVER_INTERFACE=wsgi|asgi, validated by the same module.
interface="$("$PYTHON" -m modestwear_config.gunicorn --interface)"

step "finding the ${interface} application (${interface^^}_APPLICATION, else beside DJANGO_SETTINGS_MODULE)"
# Any project module (mysite, cookiecutter's config, ours core): a project it cannot find stops
# here, naming what to set, before migrate has touched the database.
application="$("$PYTHON" -m modestwear_config.gunicorn --application)"

step "manage.py migrate"
"$PYTHON" manage.py migrate --no-input

step "manage.py collectstatic"
"$PYTHON" manage.py collectstatic --no-input

step "manage.py ensure_superuser"
"$PYTHON" manage.py ensure_superuser

step "starting gunicorn (${interface}) with ${application}"
printf '%s\n' "$where"
exec gunicorn -c python:modestwear_config.gunicorn "$application"
