#!/usr/bin/env bash
# Azure App Service (Linux, Python): the startup command and the settings, with the Azure CLI
# (https://learn.microsoft.com/en-us/azure/app-service/configure-language-python#customize-startup-command).
# App Service has no release phase: the startup command runs every step (deploy.sh with no phase)
# on each start. WEBSITE_HOSTNAME (set by Azure) gives ALLOWED_HOSTS; /home outlives restarts.
# A Celery worker and beat run best beside it as Azure Container Apps from deploy/Dockerfile, with
# `bash -c 'cd example_project && exec celery -A core worker --beat'` as their command.
set -euo pipefail
APP="${APP:-modestwear}"
GROUP="${GROUP:-modestwear}"

az webapp config set --name "$APP" --resource-group "$GROUP" \
    --startup-file "bash example_project/deploy.sh"
az webapp config appsettings set --name "$APP" --resource-group "$GROUP" --settings \
    SCM_DO_BUILD_DURING_DEPLOYMENT=true \
    DEBUG=false \
    WEBSITES_PORT=8000 \
    WEBSITE_HEALTHCHECK_MAXPINGFAILURES=5
az webapp config set --name "$APP" --resource-group "$GROUP" --generic-configurations '{"healthCheckPath": "/healthz"}'
