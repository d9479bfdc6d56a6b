"""Settings for the test run: production settings with a throwaway secret key."""

import os

os.environ.setdefault("LANTU_SECRET_KEY", "test-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz")
# The test client speaks plain http; production's https redirect is tested in tests/security.
os.environ.setdefault("LANTU_HTTPS", "false")

from lantu.settings import *  # noqa: F403

# Hashing passwords slowly is a production virtue and a test-suite vice.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Tests do not run collectstatic; serve static files from the apps as they are.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
