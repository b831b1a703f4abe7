"""People who use Serene: customers, experts and staff, who sign in with their email address."""
from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from serene.core.timezones import validate_time_zone


class Role(models.TextChoices):
    CUSTOMER = "customer", "Customer"
    EXPERT = "expert", "Expert"
    STAFF = "staff", "Staff"


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **fields) -> "User":
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **fields) -> "User":
        fields.setdefault("is_staff", False)
        fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **fields)

    def create_superuser(self, email: str, password: str | None = None, **fields) -> "User":
        fields.update(is_staff=True, is_superuser=True, role=Role.STAFF)
        return self._create_user(email, password, **fields)

    def get_by_natural_key(self, username: str | None) -> "User":
        return self.get(email__iexact=username)


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField(unique=True)
    name = models.CharField(max_length=120)
    phone = models.CharField(max_length=20, blank=True)
    time_zone = models.CharField(max_length=64, default=settings.DEFAULT_USER_TIME_ZONE, validators=[validate_time_zone])
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.CUSTOMER)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False, help_text="May use the admin site.")
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["name"]

    class Meta:
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_ci_unique")]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"

    def get_full_name(self) -> str:
        return self.name

    def get_short_name(self) -> str:
        """The first name, past a title: "Dr. Sarah Khan" is "Sarah", as people would greet her."""
        words = self.name.split()
        while len(words) > 1 and (words[0].endswith(".") or words[0].lower() in TITLES):
            words = words[1:]
        return words[0] if words else self.email

    @property
    def is_expert(self) -> bool:
        return self.role == Role.EXPERT


TITLES = frozenset({"dr", "mr", "mrs", "ms", "miss", "prof", "sri", "smt", "shri"})


class LoginFailure(models.Model):
    """Attempts counted per key to slow guessing and mass sign-ups: failed log-ins under
    "account:<email>" and "address:<ip>", new accounts under "signup:<ip>" (the name predates sign-ups)."""

    key = models.CharField(max_length=200, unique=True)
    failures = models.PositiveIntegerField(default=0)
    window_started_at = models.DateTimeField(default=timezone.now)
    locked_until = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.key}: {self.failures}"
