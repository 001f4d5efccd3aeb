#!/usr/bin/env bash
# The deploy path (Render's start command, and the README's local run): check the server
# configuration, migrate, collect static files, ensure the superuser, then replace this shell
# with gunicorn. `set -e` stops at the first failing step with that step's exit code, so a
# failed migration never serves traffic; `exec` makes gunicorn PID 1's direct child and lets it
# receive the platform's SIGTERM for a graceful shutdown.
#
# Platforms that split a deploy run its phases where they belong (docs/platforms.md, deploy/):
#   build    collectstatic, into the image or slug (Dockerfile RUN, DigitalOcean's build_command)
#   release  check, migrate, ensure_superuser: once per deploy (Fly release_command, Heroku release:,
#            Railway preDeployCommand, a Kubernetes or Cloud Run Job)
#   start    check, gunicorn: every instance
# No phase runs them all in the order above (Render free, Azure App Service). Several run in turn:
# `deploy.sh build start`. tests/test_recipes.py reads the phases below: each recipe runs every step once.
set -euo pipefail

# Run from any directory: this file lives beside manage.py (copy it there in your project).
cd "$(dirname "${BASH_SOURCE[0]}")"
PYTHON="${PYTHON:-$(command -v python || command -v python3)}"
if [[ ! -f manage.py ]]; then
    printf 'deploy.sh: no manage.py in %s: put deploy.sh beside manage.py\n' "$PWD" >&2
    exit 2
fi

step() { printf '==> %s\n' "$*"; }

check() {
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
}

migrate() {
    step "manage.py migrate"
    "$PYTHON" manage.py migrate --no-input
}

collect() {
    step "manage.py collectstatic"
    "$PYTHON" manage.py collectstatic --no-input
}

collect_at_build() {
    # An image build has none of the runtime's secrets: a throwaway key for this one command (static
    # files are not signed), never written anywhere; DEBUG stays off so the manifest is built, and a
    # database URL that collectstatic never opens (production names its database).
    if [ -z "${SECRET_KEY:-}${SECRET_KEY_FILE:-}" ]; then
        SECRET_KEY="$("$PYTHON" -c 'import secrets; print(secrets.token_urlsafe(50))')" \
            ALLOWED_HOSTS="${ALLOWED_HOSTS:-localhost}" \
            DATABASE_URL="${DATABASE_URL:-sqlite:////tmp/collectstatic-opens-no-database.sqlite3}" collect
    else
        collect
    fi
}

superuser() {
    step "manage.py ensure_superuser"
    "$PYTHON" manage.py ensure_superuser
}

serve() {
    step "starting gunicorn (${interface}) with ${application}"
    printf '%s\n' "$where"
    exec gunicorn -c python:modestwear_config.gunicorn "$application"
}

[ "$#" -gt 0 ] || set -- all
for phase in "$@"; do
    case "$phase" in
        build) collect_at_build ;;
        release) check; migrate; superuser ;;
        start) check; serve ;;
        all) check; migrate; collect; superuser; serve ;;
        *) printf 'deploy.sh: unknown phase %s (expected build, release or start)\n' "$phase" >&2; exit 2 ;;
    esac
done
