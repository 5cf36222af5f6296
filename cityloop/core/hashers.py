"""The password hasher: Argon2id with parameters that keep a sign-in fast on a small server.

Django's own Argon2 parameters (100 MiB, two passes, eight lanes) took 270 ms per sign-in on the
two-core machines we run on; PBKDF2 with Django's million iterations took 650 ms. OWASP's first
recommended Argon2id setting, 46 MiB of memory, one pass, one lane, takes 25–55 ms here (idle to
loaded), so a sign-in stays well under 200 ms while a guess still costs an attacker 46 MiB and the
same time. Hashes made with other parameters (or with PBKDF2) are re-made on the next sign-in.
"""

from __future__ import annotations

from django.contrib.auth.hashers import Argon2PasswordHasher


class Argon2Hasher(Argon2PasswordHasher):
    """Argon2id, 46 MiB, one pass, one lane (OWASP Password Storage Cheat Sheet)."""

    memory_cost = 47104  # KiB
    time_cost = 1
    parallelism = 1
