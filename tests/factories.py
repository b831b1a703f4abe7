"""factory_boy factories for the domain models, plus fixtures that use them."""
from __future__ import annotations

import factory
import pytest

from serene.accounts.models import Role, User
from serene.experts.models import Category, Expert, Language

TEST_PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.test")
    name = factory.Faker("name", locale="en_IN")
    time_zone = "Asia/Kolkata"
    role = Role.CUSTOMER
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @classmethod
    def _after_postgeneration(cls, instance, create, results=None):
        if create:
            instance.save()


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"category-{n}")
    name = factory.Sequence(lambda n: f"Category {n}")


class LanguageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Language
        django_get_or_create = ("code",)

    code = "en"
    name = "English"


class ExpertFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Expert
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory, role=Role.EXPERT)
    slug = factory.Sequence(lambda n: f"expert-{n}")
    headline = "Counselling psychologist"
    bio = "I help people with anxiety."
    category = factory.SubFactory(CategoryFactory)
    hourly_rate_minor = 150000
    time_zone = "Asia/Kolkata"
    offered_durations = factory.LazyFunction(lambda: [30, 60, 90])

    @factory.post_generation
    def languages(self, create, extracted, **kwargs):
        if create and extracted:
            self.languages.set(extracted)


@pytest.fixture
def customer(db):
    return UserFactory(email="customer@example.test", name="Asha Verma")


@pytest.fixture
def expert(db):
    return ExpertFactory(slug="sarah-khan", user__name="Dr. Sarah Khan", user__email="sarah@example.test")
