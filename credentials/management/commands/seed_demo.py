"""``manage.py seed_demo``: a demo university, its staff, a holder, an accreditation authority and an operator.

Idempotent: running it again creates nothing twice; it resets the demo
passwords (so that the logins it prints always work) and the roles.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from credentials.services import organisation_onboard
from identity.models import Membership, Organisation
from identity.services import Actor, membership_set

DEFAULT_PASSWORD = "lianzheng-demo-2026"
CJK_FONT = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")


@dataclass(frozen=True)
class DemoOrg:
    slug: str
    name_en: str
    name_zh: str
    homepage: str
    mark: str  # the character on the generated logo


@dataclass(frozen=True)
class DemoUser:
    email: str
    label: str
    org: str | None = None
    role: str | None = None
    operator: bool = False


UNIVERSITY = DemoOrg("demo-univ", "Demo University", "演示大学", "https://demo-univ.example", "演")
AUTHORITY = DemoOrg("moe-accreditation", "Accreditation Authority (demo)", "教育部学位认证中心", "https://accreditation.example", "认")
ORGS = (UNIVERSITY, AUTHORITY)
USERS = (
    DemoUser("admin@demo-univ.example", "organisation admin, Demo University", UNIVERSITY.slug, Membership.Role.ADMIN),
    DemoUser("registrar@demo-univ.example", "registrar, Demo University", UNIVERSITY.slug, Membership.Role.REGISTRAR),
    DemoUser("viewer@demo-univ.example", "viewer, Demo University", UNIVERSITY.slug, Membership.Role.VIEWER),
    DemoUser("holder@example.com", "holder (no organisation)"),
    DemoUser("accreditor@example.com", "organisation admin, Accreditation Authority", AUTHORITY.slug, Membership.Role.ADMIN),
    DemoUser("operator@example.com", "platform operator (Django admin)", operator=True),
)


def demo_logo(mark: str) -> bytes:
    """A small PNG seal: a red disc with one character (a plain ring if no CJK font is installed)."""
    from PIL import Image, ImageDraw, ImageFont

    size = 256
    image = Image.new("RGBA", (size, size), (255, 255, 255, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((8, 8, size - 8, size - 8), fill=(179, 38, 30, 255))
    draw.ellipse((24, 24, size - 24, size - 24), outline=(255, 255, 255, 255), width=6)
    if CJK_FONT.exists():
        font = ImageFont.truetype(str(CJK_FONT), 120)
        draw.text((size / 2, size / 2), mark, font=font, fill=(255, 255, 255, 255), anchor="mm")
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


class Command(BaseCommand):
    help = "Create (or refresh) the demo organisations and accounts and print their logins. Demo only."

    def handle(self, *args: Any, **options: Any) -> None:
        password = os.environ.get("DEMO_PASSWORD") or DEFAULT_PASSWORD
        with transaction.atomic():
            orgs = {spec.slug: self._organisation(spec) for spec in ORGS}
            for spec in USERS:
                self._user(spec, password, orgs)
        self._print(password)

    def _organisation(self, spec: DemoOrg) -> Organisation:
        existing = Organisation.objects.filter(slug=spec.slug).first()
        if existing is not None:
            return existing
        organisation: Organisation = organisation_onboard(
            slug=spec.slug,
            name_en=spec.name_en,
            name_zh=spec.name_zh,
            homepage=spec.homepage,
            logo=demo_logo(spec.mark),
            actor=Actor(label="seed_demo"),
        )
        self.stdout.write(f"created organisation {spec.slug}")
        return organisation

    def _user(self, spec: DemoUser, password: str, orgs: dict[str, Organisation]) -> None:
        from allauth.account.models import EmailAddress
        from django.contrib.auth import get_user_model

        User = get_user_model()
        user = User.objects.filter(email__iexact=spec.email).first()
        if user is None:
            user = User(username=spec.email, email=spec.email)
            self.stdout.write(f"created user {spec.email}")
        user.is_active = True
        user.is_staff = spec.operator
        user.is_superuser = spec.operator
        user.set_password(password)
        user.save()
        EmailAddress.objects.update_or_create(
            user=user, email=spec.email, defaults={"verified": True, "primary": True}
        )
        if spec.org is not None:
            organisation = orgs[spec.org]
            current = Membership.objects.filter(organisation=organisation, user=user).values_list("role", flat=True).first()
            if current != spec.role:
                membership_set(organisation=organisation, user=user, role=str(spec.role), actor=Actor(label="seed_demo"))

    def _print(self, password: str) -> None:
        self.stdout.write("")
        self.stdout.write(self.style.WARNING(
            "WARNING: these are DEMO accounts with a known password. Never run seed_demo on a real deployment."
        ))
        self.stdout.write(f"Log in at /accounts/login/ with the password: {password}")
        width = max(len(u.email) for u in USERS)
        for spec in USERS:
            self.stdout.write(f"  {spec.email.ljust(width)}  {spec.label}")
