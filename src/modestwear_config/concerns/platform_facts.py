"""What each hosting platform sets and does: the one table the platform concern, the email, media and
database checks, the doctor and docs/platforms.md read.

Each platform's variables are declared here, beside the facts, with the page that documents them.
A fact a platform does not document is left empty (never guessed): its check then stays silent.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from modestwear_config.env import Variable, variables_of

V = variables_of("platform")


@dataclass(frozen=True)
class Platform:
    name: str  # PLATFORM's value
    label: str
    markers: tuple[str, ...]  # any of these set (non-empty): the process runs there
    host: str = ""  # the variable holding the public host name ("" when none is set)
    host_form: str = "{}"  # how the host is made from it (Fly: "{}.fly.dev")
    release: tuple[str, ...] = ()  # the first one set is the release id (a commit where the platform says)
    region: str = ""
    instance: str = ""
    port: str = ""  # a variable naming the port the platform routes to, when PORT itself may be unset
    smtp_blocked: tuple[int, ...] = ()  # outbound SMTP ports the platform refuses
    smtp_when: str = ""  # on which plans
    ephemeral_disk: bool = True  # an instance's own files vanish on deploy or restart
    sleeps: str = ""  # when an idle instance is stopped (a cold start follows)
    sources: dict[str, str] = field(default_factory=dict)  # fact -> its documentation page
    variables: tuple[Variable, ...] = ()


RENDER = Platform(
    "render",
    "Render",
    markers=("RENDER", "RENDER_EXTERNAL_HOSTNAME"),
    host="RENDER_EXTERNAL_HOSTNAME",
    release=("RENDER_GIT_COMMIT",),
    instance="RENDER_INSTANCE_ID",
    smtp_blocked=(25, 465, 587),
    smtp_when="free instances, since 2025-09-26",
    sleeps="free instances after 15 idle minutes",
    sources={
        "variables": "https://render.com/docs/environment-variables",
        "smtp": "https://render.com/docs/free#outbound-smtp-traffic",
        "disk": "https://render.com/docs/disks",
        "sleep": "https://render.com/docs/free#spinning-down-on-idle",
    },
    variables=(
        V("RENDER", "str", "Set by Render on every service (true).", example="true"),
        V(
            "RENDER_EXTERNAL_HOSTNAME",
            "str",
            "Set by Render: the public host name, added to ALLOWED_HOSTS and the trusted origins.",
            example="modestwear.onrender.com",
        ),
        V("RENDER_GIT_COMMIT", "str", "Set by Render: the deployed commit (the release id).", example="9f2c1e0"),
        V("RENDER_INSTANCE_ID", "str", "Set by Render: this instance.", example="srv-abc-5d8f9"),
    ),
)
FLY = Platform(
    "fly",
    "Fly.io",
    markers=("FLY_APP_NAME", "FLY_MACHINE_ID"),
    host="FLY_APP_NAME",
    host_form="{}.fly.dev",
    release=("FLY_IMAGE_REF",),
    region="FLY_REGION",
    instance="FLY_MACHINE_ID",
    sleeps="when fly.toml's auto_stop_machines is on, after the proxy sees no traffic for a few minutes",
    sources={
        "variables": "https://fly.io/docs/machines/runtime-environment/",
        "disk": "https://fly.io/docs/volumes/overview/",
        "sleep": "https://fly.io/docs/launch/autostop-autostart/",
    },
    variables=(
        V("FLY_APP_NAME", "str", "Set by Fly.io on every Machine; the public host is <app>.fly.dev.", example="shop"),
        V("FLY_REGION", "str", "Set by Fly.io: the Machine's region.", example="cdg"),
        V("FLY_MACHINE_ID", "str", "Set by Fly.io: this Machine.", example="148ed193b95089"),
        V(
            "FLY_IMAGE_REF",
            "str",
            "Set by Fly.io: the deployed image (the release id).",
            example="registry.fly.io/shop:deployment-01H",
        ),
    ),
)
RAILWAY = Platform(
    "railway",
    "Railway",
    markers=("RAILWAY_ENVIRONMENT", "RAILWAY_PUBLIC_DOMAIN", "RAILWAY_PRIVATE_DOMAIN"),
    host="RAILWAY_PUBLIC_DOMAIN",
    release=("RAILWAY_GIT_COMMIT_SHA",),
    region="RAILWAY_REPLICA_REGION",
    instance="RAILWAY_REPLICA_ID",
    smtp_blocked=(25, 465, 587),
    smtp_when="Free, Trial and Hobby plans (SMTP from Pro up)",
    sleeps="when serverless (App Sleeping) is on, after 10 minutes without outbound traffic",
    sources={
        "variables": "https://docs.railway.com/reference/variables#railway-provided-variables",
        "smtp": "https://docs.railway.com/reference/outbound-networking",
        "disk": "https://docs.railway.com/reference/volumes",
        "sleep": "https://docs.railway.com/reference/app-sleeping",
    },
    variables=(
        V("RAILWAY_ENVIRONMENT", "str", "Set by Railway: the environment's name.", example="production"),
        V(
            "RAILWAY_PUBLIC_DOMAIN",
            "str",
            "Set by Railway with a public domain: added to ALLOWED_HOSTS and the trusted origins.",
            example="shop-production.up.railway.app",
        ),
        V(
            "RAILWAY_PRIVATE_DOMAIN",
            "str",
            "Set by Railway: the private network name.",
            example="shop.railway.internal",
        ),
        V("RAILWAY_GIT_COMMIT_SHA", "str", "Set by Railway for GitHub deploys: the release id.", example="9f2c1e0"),
        V("RAILWAY_REPLICA_ID", "str", "Set by Railway: this replica.", example="4a1b"),
        V("RAILWAY_REPLICA_REGION", "str", "Set by Railway: this replica's region.", example="europe-west4"),
    ),
)
HEROKU = Platform(
    "heroku",
    "Heroku",
    markers=("DYNO",),
    host="HEROKU_APP_DEFAULT_DOMAIN_NAME",
    release=("HEROKU_SLUG_COMMIT",),
    instance="DYNO",
    sleeps="eco dynos after 30 idle minutes",
    sources={
        "variables": "https://devcenter.heroku.com/articles/dyno-metadata",
        "disk": "https://devcenter.heroku.com/articles/dynos#ephemeral-filesystem",
        "sleep": "https://devcenter.heroku.com/articles/eco-dyno-hours#dyno-sleeping",
    },
    variables=(
        V("DYNO", "str", "Set by Heroku on every dyno (web.1): its file system is ephemeral.", example="web.1"),
        V(
            "HEROKU_APP_NAME",
            "str",
            "Set by Heroku with dyno metadata on (labs:enable runtime-dyno-metadata).",
            example="shop",
        ),
        V("HEROKU_SLUG_COMMIT", "str", "Set by Heroku with dyno metadata on: the release id.", example="9f2c1e0"),
        V(
            "HEROKU_APP_DEFAULT_DOMAIN_NAME",
            "str",
            "Set by Heroku with dyno metadata on: the public host name (herokuapp.com).",
            example="shop-1a2b3c.herokuapp.com",
        ),
    ),
)
CLOUD_RUN = Platform(
    "cloudrun",
    "Google Cloud Run",
    markers=("K_SERVICE",),
    release=("K_REVISION",),
    smtp_blocked=(25,),
    smtp_when="every Google Cloud service",
    sleeps="scales to zero between requests unless min-instances is set",
    sources={
        "variables": "https://cloud.google.com/run/docs/container-contract#env-vars",
        "smtp": "https://cloud.google.com/compute/docs/tutorials/sending-mail",
        "disk": "https://cloud.google.com/run/docs/container-contract#filesystem",
        "sleep": "https://cloud.google.com/run/docs/configuring/min-instances",
    },
    variables=(
        V(
            "K_SERVICE",
            "str",
            "Set by Cloud Run: the service (its URL is not derivable: list it in ALLOWED_HOSTS).",
            example="shop",
        ),
        V("K_REVISION", "str", "Set by Cloud Run: the revision (the release id).", example="shop-00042-xaz"),
    ),
)
AZURE = Platform(
    "azure",
    "Azure App Service",
    markers=("WEBSITE_HOSTNAME", "WEBSITE_SITE_NAME"),
    host="WEBSITE_HOSTNAME",
    region="REGION_NAME",
    instance="WEBSITE_INSTANCE_ID",
    port="WEBSITES_PORT",
    smtp_blocked=(25,),
    smtp_when="most subscription types",
    ephemeral_disk=False,  # /home is persistent storage on Linux (WEBSITES_ENABLE_APP_SERVICE_STORAGE)
    sleeps="without Always On (Free and Basic tiers), after 20 idle minutes",
    sources={
        "variables": "https://learn.microsoft.com/en-us/azure/app-service/reference-app-settings",
        "smtp": "https://learn.microsoft.com/en-us/azure/virtual-network/troubleshoot-outbound-smtp-connectivity",
        "disk": "https://learn.microsoft.com/en-us/azure/app-service/operating-system-functionality#file-access",
        "sleep": "https://learn.microsoft.com/en-us/azure/app-service/configure-common#configure-general-settings",
    },
    variables=(
        V(
            "WEBSITE_HOSTNAME",
            "str",
            "Set by Azure App Service: the public host name (azurewebsites.net).",
            example="shop.azurewebsites.net",
        ),
        V("WEBSITE_SITE_NAME", "str", "Set by Azure App Service: the app's name.", example="shop"),
        V("WEBSITE_INSTANCE_ID", "str", "Set by Azure App Service: this instance.", example="1f2e3d"),
        V("REGION_NAME", "str", "Set by Azure App Service: the region.", example="West Europe"),
        V(
            "WEBSITES_PORT",
            "int",
            "Azure App Service: the port a custom container listens on: PORT's default.",
            example="8000",
            minimum=1,
            maximum=65535,
        ),
    ),
)
DIGITALOCEAN = Platform(
    "digitalocean",
    "DigitalOcean App Platform",
    # None of its own: App Platform sets no variable unless the app spec binds one, and APP_DOMAIN is a name
    # projects use for themselves (a port's own was taken for DigitalOcean's, and its value for a host).
    # The recipe (deploy/digitalocean/app.yaml) says PLATFORM=digitalocean.
    markers=(),
    host="APP_DOMAIN",
    release=("COMMIT_HASH",),
    sources={
        "variables": "https://docs.digitalocean.com/products/app-platform/how-to/use-environment-variables/#using-bindable-variables-within-environment-variables",
        "disk": "https://docs.digitalocean.com/products/app-platform/details/limits/",
    },
    variables=(
        V(
            "APP_DOMAIN",
            "str",
            "DigitalOcean App Platform's bindable ${APP_DOMAIN} (the app spec binds it): the public host name.",
            example="shop-abc12.ondigitalocean.app",
        ),
        V(
            "COMMIT_HASH",
            "str",
            "DigitalOcean's bindable ${_self.COMMIT_HASH} (the app spec binds it): the release id.",
            example="9f2c1e0",
        ),
    ),
)
KOYEB = Platform(
    "koyeb",
    "Koyeb",
    markers=("KOYEB_APP_NAME", "KOYEB_PUBLIC_DOMAIN"),
    host="KOYEB_PUBLIC_DOMAIN",
    release=("KOYEB_DEPLOYMENT_ID",),
    region="KOYEB_REGION",
    instance="KOYEB_INSTANCE_ID",
    sleeps="free instances scale to zero after an idle hour",
    sources={
        "variables": "https://www.koyeb.com/docs/reference/environment-variables",
        "disk": "https://www.koyeb.com/docs/reference/volumes",
        "sleep": "https://www.koyeb.com/docs/run-and-scale/scale-to-zero",
    },
    variables=(
        V("KOYEB_APP_NAME", "str", "Set by Koyeb: the app's name.", example="shop"),
        V(
            "KOYEB_PUBLIC_DOMAIN",
            "str",
            "Set by Koyeb: the public host name (koyeb.app).",
            example="shop-acme.koyeb.app",
        ),
        V("KOYEB_DEPLOYMENT_ID", "str", "Set by Koyeb: the deployment (the release id).", example="5f1c-..."),
        V("KOYEB_REGION", "str", "Set by Koyeb: the region.", example="fra"),
        V("KOYEB_INSTANCE_ID", "str", "Set by Koyeb: this instance.", example="a1b2c3"),
    ),
)

# In detection order: with two platforms' variables at once (W080), the first one wins unless PLATFORM says.
PLATFORMS: tuple[Platform, ...] = (RENDER, FLY, RAILWAY, HEROKU, CLOUD_RUN, AZURE, DIGITALOCEAN, KOYEB)
BY_PLATFORM_NAME = {p.name: p for p in PLATFORMS}

# Hosts the library does not model, whose marker still means "not a laptop" (LOCAL_HTTP is refused):
# Google App Engine, AWS (Lambda, ECS, Elastic Beanstalk), Vercel, any Kubernetes pod.
OTHER_HOSTS = {
    "GAE_APPLICATION": "Google App Engine",
    "AWS_EXECUTION_ENV": "AWS",
    "VERCEL": "Vercel",
    "KUBERNETES_SERVICE_HOST": "Kubernetes",
}
