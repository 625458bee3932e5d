"""factory_boy factories shared by every test folder."""

import factory
from django.contrib.auth.models import Group
from factory.django import DjangoModelFactory

from dispatch112.models import User
from dispatch112.roles import Role
from incidents.models import Agency, AgencyKind

DEFAULT_PASSWORD = "test-password-112"


class AgencyFactory(DjangoModelFactory):
    class Meta:
        model = Agency
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"opd{n}")
    name = factory.LazyAttribute(lambda o: f"OPD {o.code.upper()}")
    kind = AgencyKind.FIRE


class UserFactory(DjangoModelFactory):
    """A user; `UserFactory(role=Role.OPERATOR)` puts them in the role's group (made by migration 0002).

    Traits: `UserFactory(operator=True)`, `supervisor=True`, `admin=True`, `opd_staff=True`
    (the last also links the user to a new agency, as every OPD staff account must be).
    """

    class Meta:
        model = User

    role = None  # a Role; not a model field, applied in _create
    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name", locale="id_ID")
    password = factory.django.Password(DEFAULT_PASSWORD)
    agency = None

    class Params:
        operator = factory.Trait(role=Role.OPERATOR)
        supervisor = factory.Trait(role=Role.SUPERVISOR)
        admin = factory.Trait(role=Role.ADMIN)
        opd_staff = factory.Trait(role=Role.OPD_STAFF, agency=factory.SubFactory(AgencyFactory))

    @classmethod
    def _build(cls, model_class, *args, role=None, **kwargs):
        return super()._build(model_class, *args, **kwargs)

    @classmethod
    def _create(cls, model_class, *args, role=None, **kwargs):
        user = super()._create(model_class, *args, **kwargs)
        if role:
            user.groups.add(Group.objects.get(name=Role(role).value))
        return user
