"""Local development: `make run`. Debug on, a fixed development secret, console e-mail."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="dev-only-insecure-key-change-me-in-production")
# The demo's controller on /privacy/ (the demo desk is Utrecht's); the variables still win.
SPORTLOKET_PRIVACY_CONTROLLER_NAME = env(
    "SPORTLOKET_PRIVACY_CONTROLLER_NAME", default="Gemeente Utrecht (demo)"
)
SPORTLOKET_PRIVACY_CONTROLLER_ADDRESS = env.str(
    "SPORTLOKET_PRIVACY_CONTROLLER_ADDRESS",
    default="Postbus 16200\n3500 CE Utrecht",
    multiline=True,
)
SPORTLOKET_PRIVACY_CONTROLLER_EMAIL = env(
    "SPORTLOKET_PRIVACY_CONTROLLER_EMAIL", default="privacy@sportloket.example"
)
SPORTLOKET_PRIVACY_DPO_EMAIL = env("SPORTLOKET_PRIVACY_DPO_EMAIL", default="fg@sportloket.example")
